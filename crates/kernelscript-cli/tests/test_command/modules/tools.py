"""Python functions the KernelScript program calls."""


def scale(x):
    return x * 3


def greet(name):
    return "hello " + name


def fail(x):
    raise ValueError(f"bad value {x}")
