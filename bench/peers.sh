#!/usr/bin/env bash
# Build the peer tool's virtual environment from nothing: bench/.venv-datatrove (datatrove + its
# processing extras, spaCy for its word tokenizers, orjson). bench/run.py runs datatrove from it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bench/.venv-datatrove/bin/python ]; then
  python3 -m venv bench/.venv-datatrove
fi
bench/.venv-datatrove/bin/pip install -q 'datatrove[processing]' spacy orjson
bench/.venv-datatrove/bin/python -c "import datatrove, spacy; print('datatrove', datatrove.__version__ if hasattr(datatrove, '__version__') else '?', 'spacy', spacy.__version__)"
