"""The run index read by an engine without our code: DuckDB over a local copy of the entries
(scripts/index-export.mjs), hive partitioning making `status` a column. Answers the three
questions of the index bench and prints them as JSON (tests/js/run-index.test.mjs compares them
with listRuns / countRuns).

    .venv-duckdb/bin/python scripts/index-duckdb.py <dir> <since ISO> <tag>

One row per run: an engine reading the entries as they lie may meet a stale second entry of a run
(see the README), so the newest `seq` of each run wins, as in our readers.
"""
import json
import sys

import duckdb

folder, since, tag = sys.argv[1], sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute(
    f"""
    CREATE VIEW runs AS
    SELECT * EXCLUDE (rank) FROM (
      SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY seq DESC) AS rank
      FROM read_json_auto('{folder}/status=*/*.json', hive_partitioning = true,
                          union_by_name = true, columns = {{
        'run_id': 'VARCHAR', 'tag': 'VARCHAR', 'dag_hash': 'VARCHAR', 'created': 'TIMESTAMP',
        'updated': 'TIMESTAMP', 'duration_ms': 'BIGINT', 'steps_total': 'BIGINT',
        'steps_failed': 'BIGINT', 'first_failed_step': 'JSON', 'original_run_id': 'VARCHAR',
        'format': 'VARCHAR', 'layout': 'VARCHAR', 'etag': 'VARCHAR', 'seq': 'BIGINT'}})
    ) WHERE rank = 1
    """
)
newest_fail = [r[0] for r in con.execute(
    "SELECT run_id FROM runs WHERE status = 'FAIL' ORDER BY created DESC, run_id LIMIT 50").fetchall()]
counts = dict(con.execute(
    "SELECT status, count(*) FROM runs WHERE created >= ?::TIMESTAMP GROUP BY status ORDER BY status",
    [since.rstrip("Z")]).fetchall())
tagged = [r[0] for r in con.execute(
    "SELECT run_id FROM runs WHERE tag = ? AND created >= ?::TIMESTAMP ORDER BY created DESC, run_id",
    [tag, since.rstrip("Z")]).fetchall()]
print(json.dumps({"newest_fail": newest_fail, "counts": counts, "tagged": tagged}))
