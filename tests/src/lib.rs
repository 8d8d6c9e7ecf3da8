//! Black-box tests live under `http/`; this library is empty on purpose.
