#!/usr/bin/env bash
# What the browser tests (tests/test_dashboards_browser.py) need beyond the Python packages: Debian's Chromium and
# the CJK fonts. Installed with apt-get when missing and this user may (root or sudo without a password); otherwise
# says so, and the browser tests are skipped with that reason (NMG_REQUIRE_BROWSER=1 makes them fail instead).
set -uo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "浏览器测试所需的 chromium 和 fonts-noto-cjk 未安装，且当前用户无权安装：请管理员运行" \
         "apt-get install chromium fonts-noto-cjk fontconfig；本次浏览器测试将跳过。" >&2
    exit 0
fi
echo "安装浏览器测试所需的 chromium 和 fonts-noto-cjk（apt-get）…" >&2
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk fontconfig >/dev/null || echo "apt-get 安装失败：浏览器测试将跳过（见上方错误）。" >&2
exit 0
