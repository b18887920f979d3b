// How a command's arguments read on the Rust side, for tests that record them: an `Option`
// argument sent as `null` (as the generated bindings send "not given") is the same to serde as
// one left out, so both are recorded as left out.
export function asRustSees(payload: unknown): Record<string, unknown> {
  const args = (payload ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null && v !== undefined));
}
