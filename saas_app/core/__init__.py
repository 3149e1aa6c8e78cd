"""Pure domain logic: plain values in, plain values out."""
