/** The built-in test gateway's cards (docs/contract.md), with what each one does. */
export const TEST_CARDS = [
  { token: "tok_visa", hint: "Approves: the order is placed." },
  { token: "tok_decline", hint: "Declined. The checkout stays locked: try another card." },
  { token: "tok_insufficient_funds", hint: "Declined for insufficient funds; try another card." },
  { token: "tok_capture_decline", hint: "Authorizes, then capture fails: rolled back, nothing charged." },
  { token: "tok_gateway_error", hint: "The gateway fails (502): rolled back, nothing charged." },
] as const;
