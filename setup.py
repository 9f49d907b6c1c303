"""Build configuration beyond setup.cfg: the optional compiled MinHash kernel.

``dedupe._minhash`` computes signatures four to eight times faster than numpy
(see ``scripts/bench_speed.py``). It is optional: where it cannot be
compiled (no C compiler or Python headers), the install goes on and
:func:`dedupe.fingerprints.signature_matrix` uses numpy, with the same values.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedupe._minhash", ["dedupe/_minhash.c"], optional=True,
                             extra_compile_args=["-O3"])])
