"""Audio in: capture (sound cards), decode (files), sources, per-channel VAD segmentation, echo gate.

``segmenter`` is a pure state machine over byte strings; ``synth`` speaks scripted
calls with espeak-ng for tests, benchmarks and the detector's spoken-style data.
"""
