"""The liability ledger and its blocking checks."""

import dagster as dg

from .. import stages
from ..catalogue import load as load_catalogue_files
from ..ledger import reconciliation_failures
from ..pipeline import GROUP, OWNERS, BuildDatabase, NightSettings


@dg.asset(group_name=GROUP, owners=OWNERS, kinds={"duckdb"}, deps=["validated_registries", "policy_catalogue"],
          description="The liability ledger (ledger.*) and its marts (marts.*): beneficiary × rule × year × level.")
def liability_ledger(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                     night: NightSettings) -> dg.MaterializeResult:
    cat = load_catalogue_files()
    with duckdb.get_connection() as conn:
        stats = stages.compute_ledger(conn, cat, context.run.run_id, night.settings.as_of.year)
    context.log.info(f"ledger: {stats['ledger_rows']:,} rows, {stats['total_yuan']} 元 in all")
    return dg.MaterializeResult(metadata=stats)


@dg.asset_check(asset=liability_ledger, blocking=True,
                description="For every award, the level amounts add up to the award, to the fen.")
def shares_reconcile_to_the_fen(duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        bad = reconciliation_failures(conn)
    return dg.AssetCheckResult(passed=bad.is_empty(), metadata={"unreconciled_awards": bad.height})


@dg.asset_check(asset=liability_ledger, blocking=True, description="No ledger amount is negative.")
def no_negative_amounts(duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        n = conn.execute("SELECT count(*) FROM ledger.liabilities WHERE amount_yuan < 0").fetchone()[0]
    return dg.AssetCheckResult(passed=n == 0, metadata={"negative_rows": n})
