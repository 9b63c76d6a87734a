"""The scale-out path: the ledger of each city partition in its own file, then combined and compared with the
unpartitioned ledger (docs/operations.md, "Scale-out")."""

import dagster as dg

from .. import partitions
from ..catalogue import load as load_catalogue_files
from ..pipeline import BY_CITY, OWNERS, BuildDatabase, NightSettings

CITY_PARTITIONS = dg.StaticPartitionsDefinition(partitions.partition_keys())


@dg.asset(group_name=BY_CITY, owners=OWNERS, kinds={"duckdb"}, partitions_def=CITY_PARTITIONS,
          deps=["validated_registries", "policy_catalogue"],
          description="The ledger of one city's beneficiaries (or of the programme budgets) in its own DuckDB file, "
                      "reading the build database read-only: partitions run in parallel processes or pods.")
def city_ledger(context: dg.AssetExecutionContext, night: NightSettings) -> dg.MaterializeResult:
    settings = night.settings
    path = partitions.build_partition(settings, load_catalogue_files(), context.partition_key, context.run.run_id,
                                      settings.as_of.year)
    return dg.MaterializeResult(metadata={"file": str(path)})


@dg.asset(group_name=BY_CITY, owners=OWNERS, kinds={"duckdb"}, deps=[city_ledger],
          automation_condition=dg.AutomationCondition.eager(),
          description="The city partitions combined (ledger_by_city.liabilities); a check compares it with the "
                      "unpartitioned ledger line by line.")
def combined_city_ledger(context: dg.AssetExecutionContext, duckdb: BuildDatabase,
                         night: NightSettings) -> dg.MaterializeResult:
    keys = CITY_PARTITIONS.get_partition_keys()
    with duckdb.get_connection() as conn:
        rows = partitions.combine(conn, night.settings, keys)
    context.log.info(f"combined {rows:,} ledger lines from {len(keys)} partitions")
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})  # of ledger_by_city.liabilities


@dg.asset_check(asset=combined_city_ledger, description="The combined partitions equal the unpartitioned ledger.")
def partitions_match_the_ledger(duckdb: BuildDatabase) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        diff = partitions.differences(conn)
    return dg.AssetCheckResult(passed=diff == 0, metadata={"differing_lines": diff})
