// Helpers the client walks share: a check that names what it expected,
// and a wait for a condition, polled.

// credentials are SPK_ACCESS_KEY and SPK_SECRET_KEY when spk local was
// started with keys, and dummy ones otherwise (any signature is taken).
export const credentials = {
  accessKeyId: process.env.SPK_ACCESS_KEY || "spk",
  secretAccessKey: process.env.SPK_SECRET_KEY || "spk",
};

export function expect(cond, what) {
  if (!cond) throw new Error(`unexpected answer: ${what}`);
}

export async function until(what, check) {
  const deadline = Date.now() + 30000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50)); // polling interval
  }
}
