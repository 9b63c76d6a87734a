-- What each published table holds, in the database itself (duckdb_tables().comment); docs/warehouse.md has
-- every column. Applied to the published snapshot by dagster_project/publish.py.
COMMENT ON TABLE pub.ref.regions IS '行政区划与园区: GB/T 2260 codes of Inner Mongolia, Ordos parks (pay as banners), the Ordos banner pool';
COMMENT ON TABLE pub.ref.industries IS '行业: GB/T 4754-2017 divisions with the sector tag and the synthetic weight';
COMMENT ON TABLE pub.ref.metrics IS '企业年度指标定义: metric code, Chinese name, the unit rows must state';
COMMENT ON TABLE pub.ref.project_types IS '项目类型: project type codes and the unit of their quantity';
COMMENT ON TABLE pub.ref.targets IS '规划目标: quantitative targets of the city documents, cited by line';
COMMENT ON TABLE pub.registry.enterprises IS '企业名录: validated enterprises (key uscc), with source file and row';
COMMENT ON TABLE pub.registry.enterprise_metrics IS '企业年度指标: validated yearly metrics in long form (uscc, year, metric, value, unit)';
COMMENT ON TABLE pub.registry.projects IS '项目库: validated projects (key project_id)';
COMMENT ON TABLE pub.registry.talents IS '人才库: validated talents, pseudonymised (person_key; masked name and ID; birth year only)';
COMMENT ON TABLE pub.registry.talent_candidates IS '人才类别初筛: candidate category from the annex criteria, apart from the certified category; never a basis for payment';
COMMENT ON TABLE pub.catalogue.documents IS '政策文件: the source documents, their level, date and line range';
COMMENT ON TABLE pub.catalogue.rules IS '政策条款目录: every fiscal clause, cited (document, item, lines, quote), costed or not costable with the reason';
COMMENT ON TABLE pub.catalogue.rule_shares IS '分担比例: each costed rule''s shares by paying level (sum exactly 1)';
COMMENT ON TABLE pub.catalogue.rule_instalments IS '分期: instalment weights of rules paid over years';
COMMENT ON TABLE pub.catalogue.rule_tiers IS '分档: tier brackets of rules with thresholds';
COMMENT ON TABLE pub.catalogue.programme_lines IS '专项资金安排: fixed programme budgets by year and region';
COMMENT ON TABLE pub.catalogue.coverage IS '覆盖情况: per document, clauses found, costed, not costable, by kind';
COMMENT ON TABLE pub.catalogue.talent_criteria IS '人才分类目录标准: the annex criteria, cited, evaluable or not with the reason';
COMMENT ON TABLE pub.catalogue.version IS '目录版本: the catalogue version hash used by this run';
COMMENT ON TABLE pub.ledger.award_candidates IS '奖补候选: every registry row a costed rule applies to, with its inputs and gross amount';
COMMENT ON TABLE pub.ledger.awards IS '奖补: candidates after caps, rounding and stacking, each with its outcome';
COMMENT ON TABLE pub.ledger.payments IS '支付计划: awards spread over payment years (instalments, periodic allowances, lags)';
COMMENT ON TABLE pub.ledger.liabilities IS '负债台账: beneficiary x rule x payment year x paying level and region, exact to the fen, with run and catalogue version';
COMMENT ON TABLE pub.marts.liabilities_by_year_level_region_rule IS '汇总: liabilities by payment year, paying level, paying region and rule';
COMMENT ON TABLE pub.audit.runs IS '运行记录: runs with start, end, status (succeeded or failed at a step), code and catalogue version, parameters';
COMMENT ON TABLE pub.audit.input_files IS '输入文件: every landing file with size, SHA-256, encoding and rows in / accepted / quarantined';
COMMENT ON TABLE pub.audit.quarantine IS '隔离行: every failed check of every rejected row: file, row, field, reason, masked record';
