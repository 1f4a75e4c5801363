"""magnus's own S3 run log store (magnus-extensions 0.2.13) writing a run of N steps in the
executor's order: create, parameters, run_config; per step: PROCESSING, parameters, SUCCESS;
final status. Prints JSON with the wall time. Run by bench/executor.sh against the local SeaweedFS.

  python magnus_store.py N PREFIX
"""
import json
import logging
import sys
import time

logging.disable(logging.CRITICAL)

from magnus_extensions.datastore.s3.implementation import S3Store  # noqa: E402

n, prefix = int(sys.argv[1]), sys.argv[2]
store = S3Store({"s3_bucket": "magnus-runlogs", "prefix": prefix, "region": "us-east-1", "use_credentials": True})
run_id = "executor-order"
t = time.perf_counter()
store.create_run_log(run_id=run_id, dag_hash="0" * 40, tag="bench", status="PROCESSING")
store.set_parameters(run_id, {"x": 0, "greeting": "hello"})
store.set_run_config(run_id, {"executor": {"type": "local"}})
for i in range(n):
    step = store.create_step_log(f"step {i}", f"step {i}")
    step.status = "PROCESSING"
    code = store.create_code_identity()
    code.code_identifier = "edc24f933ebc1e00b9e8f86c3955c1259c196946"
    step.code_identities.append(code)
    store.add_step_log(step, run_id)
    store.set_parameters(run_id, {"x": i + 1})
    attempt = store.create_attempt_log()
    attempt.attempt_number = 1
    attempt.status = "SUCCESS"
    step.attempts.append(attempt)
    step.status = "SUCCESS"
    store.add_step_log(step, run_id)
store.update_run_log_status(run_id, "SUCCESS")
elapsed = time.perf_counter() - t
log = store.get_run_log_by_id(run_id)
assert len(log.steps) == n and log.status == "SUCCESS"
print(json.dumps({"store": "magnus 0.4.22 + magnus-extensions 0.2.13 (boto3)", "steps": n, "seconds": round(elapsed, 2)}))
