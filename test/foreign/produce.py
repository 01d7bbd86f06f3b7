#!/usr/bin/env python3
"""An independent ("foreign") producer for zmwatch's input topics: librdkafka via confluent-kafka,
Avro via fastavro, Confluent framing done here. Nothing of the project's TypeScript codec is used, so
what it writes is what another organisation's Python/Go/C/.NET producer would write.

Input: NDJSON (a file or stdin), one object per line:

  {"topic": "run.customs.declarations.v1",   the Kafka topic to produce to
   "contract": "customs.declarations.v1",     optional: which schema; default: the contract topic the
                                              topic name is or ends with (".<contract>")
   "key": "LGX..." | null,                    optional: the message key as given (null/absent: none)
   "value": {...},                            the record as plain JSON: the JSON form of our NDJSON
                                              files (timestamps as ISO-8601 strings) or epoch-ms
                                              numbers for timestamps; NaN/Infinity as JSON tokens
   "bytes": "<base64>",                       instead of "value": the message value as is (no Avro)
   "schemaId": 6,                             optional: write with this catalog id (same subject);
                                              default: the subject's current version
   "partition": 2,                            optional: explicit partition, bypassing the partitioner
   "headers": {"k": "v"}}                     optional

Values are written as fastavro writes them, without range checks: longs beyond a Date's range, NaN
doubles, negative odometers, 10 kB strings, control characters all go through, as they would from a
producer that only knows the Avro schema.

Prints one JSON summary line on stdout:
  {"produced": N, "failed": 0, "partitioner": "...", "librdkafka": "2.16.0",
   "topics": {"<topic>": {"<partition>": count}}, "records": [[topic, partition, offset], ...]}
("records" only with --records, in input order). Every delivery report is awaited (flush) before
exit; the exit code is 1 if any record was not delivered, 2 for bad input or arguments.
"""

import argparse
import base64
import datetime
import io
import json
import os
import struct
import sys

import confluent_kafka
import fastavro

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.normpath(os.path.join(HERE, "..", "..", "schemas", "avro"))
PARTITIONERS = ["random", "consistent", "consistent_random", "murmur2", "murmur2_random", "fnv1a", "fnv1a_random"]
KEY_STYLES = ["line", "vin", "lower", "spaced", "none"]


class InputError(Exception):
    pass


def load_catalog(schemas_dir):
    """Catalog ids -> parsed fastavro schema, and per subject the current (highest-version) id."""
    with open(os.path.join(schemas_dir, "catalog.json"), encoding="utf-8") as f:
        catalog = json.load(f)["schemas"]
    by_id, current = {}, {}
    for entry in catalog:
        with open(os.path.join(schemas_dir, entry["file"]), encoding="utf-8") as f:
            raw = json.load(f)
        by_id[entry["id"]] = {"subject": entry["subject"], "raw": raw, "parsed": fastavro.parse_schema(raw)}
        best = current.get(entry["subject"])
        if best is None or entry["version"] > best[0]:
            current[entry["subject"]] = (entry["version"], entry["id"])
    return by_id, {s: v[1] for s, v in current.items()}


def parse_iso_ms(text, path):
    try:
        t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise InputError(f"{path}: not an ISO-8601 timestamp: {text!r} ({e})")
    if t.tzinfo is None:
        raise InputError(f"{path}: timestamp without zone: {text!r}")
    delta = t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def to_avro_datum(schema, value, named, path="value"):
    """The JSON form -> what fastavro writes: ISO timestamps become epoch ms; everything else as is."""
    if isinstance(schema, str):
        schema = named.get(schema, schema)
    if isinstance(schema, list):  # union
        if value is None:
            return None
        branches = [b for b in schema if b != "null"]
        if len(branches) == 1:
            return to_avro_datum(branches[0], value, named, path)
        return value
    if isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "record":
            named[schema.get("namespace", "") + "." + schema["name"]] = schema
            named[schema["name"]] = schema
            if not isinstance(value, dict):
                raise InputError(f"{path}: expected an object ({schema['name']})")
            out = dict(value)
            for field in schema["fields"]:
                if field["name"] in value:
                    out[field["name"]] = to_avro_datum(field["type"], value[field["name"]], named, f"{path}.{field['name']}")
            return out
        if kind in ("enum", "fixed"):
            named[schema.get("namespace", "") + "." + schema["name"]] = schema
            named[schema["name"]] = schema
            return value
        if kind == "array":
            return [to_avro_datum(schema["items"], v, named, f"{path}[{i}]") for i, v in enumerate(value)]
        if kind == "map":
            return {k: to_avro_datum(schema["values"], v, named, f"{path}.{k}") for k, v in value.items()}
        if schema.get("logicalType") == "timestamp-millis" and isinstance(value, str):
            return parse_iso_ms(value, path)
        if isinstance(kind, (dict, list)):
            return to_avro_datum(kind, value, named, path)
    return value


def contract_of(line, contracts):
    if "contract" in line:
        if line["contract"] not in contracts:
            raise InputError(f"unknown contract {line['contract']!r} (expected one of {sorted(contracts)})")
        return line["contract"]
    topic = line["topic"]
    for c in contracts:
        if topic == c or topic.endswith("." + c):
            return c
    raise InputError(f"cannot tell the contract of topic {topic!r}: give \"contract\" (one of {sorted(contracts)})")


def encode(line, by_id, current):
    if "bytes" in line:
        return base64.b64decode(line["bytes"])
    if "value" not in line:
        raise InputError('a line needs "value" or "bytes"')
    contract = contract_of(line, {s[: -len("-value")] for s in current})
    subject = contract + "-value"
    schema_id = line.get("schemaId", current[subject])
    entry = by_id.get(schema_id)
    if entry is None or entry["subject"] != subject:
        raise InputError(f"schema id {schema_id} is not a version of {subject}")
    datum = to_avro_datum(entry["raw"], line["value"], {})
    buf = io.BytesIO()
    buf.write(b"\x00" + struct.pack(">I", schema_id))
    fastavro.schemaless_writer(buf, entry["parsed"], datum)
    return buf.getvalue()


def key_of(line, style):
    if style == "none":
        return None
    if style == "line":
        return line.get("key")
    value = line.get("value")
    vin = value.get("vin") if isinstance(value, dict) else None
    if not isinstance(vin, str):
        raise InputError(f"--key-style {style} needs value.vin")
    return {"vin": vin, "lower": vin.lower(), "spaced": f" {vin} "}[style]


def main(argv):
    ap = argparse.ArgumentParser(description="Produce NDJSON records with librdkafka + fastavro (Confluent framing).")
    ap.add_argument("--brokers", default=os.environ.get("ZM_KAFKA_BROKERS"), required="ZM_KAFKA_BROKERS" not in os.environ)
    ap.add_argument("--input", default="-", help="NDJSON file (default: stdin)")
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS, help="directory with catalog.json and the .avsc files")
    ap.add_argument("--partitioner", choices=PARTITIONERS, help="librdkafka partitioner (default: librdkafka's own, consistent_random)")
    ap.add_argument("--key-style", choices=KEY_STYLES, default="line", help="line: the line's key; vin/lower/spaced: from value.vin; none: no key")
    ap.add_argument("--records", action="store_true", help="list [topic, partition, offset] per input line in the summary")
    ap.add_argument("--linger-ms", type=int, default=5)
    ap.add_argument("--timeout-s", type=float, default=60.0, help="how long to wait for delivery reports")
    args = ap.parse_args(argv)

    try:
        by_id, current = load_catalog(args.schemas)
    except (OSError, ValueError, KeyError) as e:
        print(f"produce.py: cannot load schemas from {args.schemas}: {e}", file=sys.stderr)
        return 2

    conf = {
        "bootstrap.servers": args.brokers,
        "client.id": "zmwatch-foreign-producer",
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": args.linger_ms,
        "allow.auto.create.topics": False,
        "message.timeout.ms": int(args.timeout_s * 1000),
    }
    if args.partitioner:
        conf["partitioner"] = args.partitioner
    producer = confluent_kafka.Producer(conf)

    reports = []  # per input line: [topic, partition, offset] once delivered
    counts = {}
    errors = []

    def on_delivery(index):
        def cb(err, msg):
            if err is not None:
                errors.append(f"line {index + 1}: {msg.topic()}: {err}")
                return
            reports[index] = [msg.topic(), msg.partition(), msg.offset()]
            per_topic = counts.setdefault(msg.topic(), {})
            per_topic[str(msg.partition())] = per_topic.get(str(msg.partition()), 0) + 1

        return cb

    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    try:
        n = 0
        for line_no, text in enumerate(source, 1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)  # accepts NaN, Infinity, -Infinity
                if not isinstance(line, dict) or not isinstance(line.get("topic"), str):
                    raise InputError('a line must be an object with a string "topic"')
                value = encode(line, by_id, current)
                key = key_of(line, args.key_style)
            except (InputError, ValueError, TypeError, KeyError, OverflowError) as e:
                print(f"produce.py: line {line_no}: {type(e).__name__}: {e}", file=sys.stderr)
                producer.purge()  # produce nothing more of a bad file; do not wait for the rest
                producer.flush(0)
                return 2
            headers = [(k, v.encode("utf-8")) for k, v in (line.get("headers") or {}).items()]
            kwargs = {"value": value, "on_delivery": on_delivery(n)}
            if key is not None:
                kwargs["key"] = key.encode("utf-8")
            if headers:
                kwargs["headers"] = headers
            if "partition" in line:
                kwargs["partition"] = int(line["partition"])
            reports.append(None)
            while True:
                try:
                    producer.produce(line["topic"], **kwargs)
                    break
                except BufferError:  # local queue full: serve delivery reports, then retry
                    producer.poll(0.1)
                except confluent_kafka.KafkaException as e:
                    errors.append(f"line {line_no}: produce failed: {e}")
                    break
            producer.poll(0)
            n += 1
    finally:
        if source is not sys.stdin:
            source.close()

    # message.timeout.ms fails a record after timeout_s; wait a little longer for its delivery report.
    remaining = producer.flush(args.timeout_s + 10)
    if remaining > 0:
        errors.append(f"{remaining} record(s) without a delivery report after {args.timeout_s + 10} s")
    undelivered = sum(1 for r in reports if r is None)
    summary = {
        "produced": len(reports) - undelivered,
        "failed": undelivered,
        "partitioner": args.partitioner or "default",
        "librdkafka": confluent_kafka.libversion()[0],
        "topics": counts,
    }
    if args.records:
        summary["records"] = reports
    print(json.dumps(summary))
    for e in errors[:20]:
        print(f"produce.py: {e}", file=sys.stderr)
    return 1 if errors or undelivered else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
