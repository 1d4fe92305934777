"""Per-machine tuning tools: ``oneup bench`` (``tuning.bench``) and word error rate (``tuning.wer``)."""
