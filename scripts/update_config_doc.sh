#!/usr/bin/env bash
# Regenerates the parameter reference in docs/configuration.md from configs/schema.json and the
# paper preset (via `gcattn config doc`). Run after adding or changing a parameter.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${GCATTN_BIN:-build/release/bin/gcattn}
doc=docs/configuration.md
begin='<!-- BEGIN generated: gcattn config doc -->'
end='<!-- END generated -->'
table=$(SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$bin" config doc)
/usr/bin/python3 - "$doc" "$begin" "$end" "$table" <<'PY'
import sys
path, begin, end, table = sys.argv[1:]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + "\n" + table.strip("\n") + "\n" + end + tail)
PY
echo "updated $doc"
