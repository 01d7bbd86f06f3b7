#!/usr/bin/env python3
"""A foreign producer's side of the Schema Registry: registers a writer schema with a plain HTTP POST
(the Confluent REST API, urllib from the standard library) and encodes records with fastavro under
the id the registry answered, Confluent framing done here. Nothing of zmwatch's codec or registry
client is used, so the ids and bytes are what another organisation's producer would send.

  register_and_encode.py --registry URL --subject SUBJECT --schema FILE < records.ndjson

Input: one record per line, as plain JSON (timestamps as epoch-ms numbers). Output, one JSON line:
  {"id": <schema id>, "frames": ["<base64 of magic byte + id + Avro body>", ...]}
Exit 1 if the registry refuses the schema (its answer on stderr).
"""

import argparse
import base64
import io
import json
import struct
import sys
import urllib.error
import urllib.request

import fastavro

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


def register(registry, subject, schema):
    body = json.dumps({"schemaType": "AVRO", "schema": json.dumps(schema)}).encode()
    req = urllib.request.Request(
        f"{registry.rstrip('/')}/subjects/{subject}/versions",
        data=body,
        method="POST",
        headers={"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.load(res)["id"]
    except urllib.error.HTTPError as e:
        print(f"register_and_encode.py: the registry refused {subject}: HTTP {e.code} {e.read().decode()}", file=sys.stderr)
        sys.exit(1)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry", required=True, help="Confluent-compatible base URL")
    ap.add_argument("--subject", required=True)
    ap.add_argument("--schema", required=True, help="file with the Avro schema (JSON)")
    args = ap.parse_args(argv)
    with open(args.schema, encoding="utf-8") as f:
        raw = json.load(f)
    parsed = fastavro.parse_schema(raw)
    schema_id = register(args.registry, args.subject, raw)
    frames = []
    for line in sys.stdin:
        if not line.strip():
            continue
        buf = io.BytesIO()
        buf.write(b"\x00" + struct.pack(">I", schema_id))
        fastavro.schemaless_writer(buf, parsed, json.loads(line))
        frames.append(base64.b64encode(buf.getvalue()).decode())
    print(json.dumps({"id": schema_id, "frames": frames}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
