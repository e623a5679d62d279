import * as nodeCrypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toBase64Url } from "./base64";
import {
  type CryptoHost,
  type CryptoPrimitives,
  nodeCryptoPrimitives,
  selectCryptoPrimitives,
  webCryptoPrimitives,
} from "./crypto-primitives";

const encoder = new TextEncoder();
const nextEdgeError =
  "A Node.js API is used (process.getBuiltinModule) which is not supported in the Edge Runtime.";

const node = nodeCryptoPrimitives(nodeCrypto);
const web = webCryptoPrimitives();
const inputs: Uint8Array<ArrayBuffer>[] = [
  new Uint8Array(0),
  encoder.encode('{"to":"ada@example.com","subject":"Hi ✓"}'),
  Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256),
];
const keys = ["sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", "", "ключ ✓ with unicode", "k".repeat(200)];

describe("the node:crypto and Web Crypto implementations", () => {
  it("name themselves", () => {
    expect(node.kind).toBe("node:crypto");
    expect(web.kind).toBe("web-crypto");
  });

  it("hash identically, and match the SHA-256 test vector", async () => {
    for (const data of inputs) {
      expect(toBase64Url(await web.sha256(data))).toBe(toBase64Url(await node.sha256(data)));
    }
    // Node before 20.12 has no one-shot `hash`: the Hash-object path must agree.
    const { hash: _, ...withoutHash } = nodeCrypto;
    const older = nodeCryptoPrimitives(withoutHash);
    for (const data of inputs) {
      expect(toBase64Url(await older.sha256(data))).toBe(toBase64Url(await node.sha256(data)));
    }
    const abc = await web.sha256(encoder.encode("abc"));
    expect(Buffer.from(abc).toString("hex")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("compute identical HMAC-SHA256 for every key and body, matching RFC 4231 case 2", async () => {
    for (const key of keys) {
      for (const data of inputs) {
        expect(toBase64Url(await web.hmacSha256(key, data))).toBe(
          toBase64Url(await node.hmacSha256(key, data)),
        );
      }
    }
    const mac = await web.hmacSha256("Jefe", encoder.encode("what do ya want for nothing?"));
    expect(Buffer.from(mac).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("compare MACs identically", async () => {
    const a = await node.hmacSha256("key", inputs[1]!);
    const flipped = Uint8Array.from(a);
    flipped[31]! ^= 1;
    for (const impl of [node, web]) {
      expect(impl.equal(a, Uint8Array.from(a))).toBe(true);
      expect(impl.equal(a, flipped)).toBe(false);
      expect(impl.equal(a, a.subarray(0, 31))).toBe(false);
      expect(impl.equal(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    }
  });
});

describe("selectCryptoPrimitives", () => {
  it("takes the synchronous node:crypto path on Node", () => {
    const picked = selectCryptoPrimitives(globalThis);
    expect(picked.kind).toBe("node:crypto");
    // Synchronous, not a promise: the reason the Node path exists.
    expect(picked.sha256(inputs[1]!)).toBeInstanceOf(Uint8Array);
  });

  it("falls back to Web Crypto when process.getBuiltinModule throws (the Next.js Edge Runtime)", () => {
    const getBuiltinModule = vi.fn(() => {
      throw new Error(nextEdgeError);
    });
    const host = { process: { versions: { node: "20.0.0" }, getBuiltinModule } };
    expect(selectCryptoPrimitives(host).kind).toBe("web-crypto");
  });

  it("does not even probe when Next's EdgeRuntime global is set", () => {
    const getBuiltinModule = vi.fn(() => nodeCrypto);
    const host = { EdgeRuntime: "edge-runtime", process: { versions: { node: "20.0.0" }, getBuiltinModule } };
    expect(selectCryptoPrimitives(host).kind).toBe("web-crypto");
    expect(getBuiltinModule).not.toHaveBeenCalled();
  });

  it("does not probe a process shim without process.versions.node", () => {
    const getBuiltinModule = vi.fn(() => nodeCrypto);
    const shim: CryptoHost = { process: { getBuiltinModule } };
    expect(selectCryptoPrimitives(shim).kind).toBe("web-crypto");
    expect(getBuiltinModule).not.toHaveBeenCalled();
  });

  it("uses Web Crypto without any process (Cloudflare Workers, browsers)", () => {
    expect(selectCryptoPrimitives({}).kind).toBe("web-crypto");
  });

  it("rejects a node:crypto stand-in that is missing functions, throws, or computes wrongly", () => {
    const versions = { node: "20.0.0" };
    const stand = (module: unknown) => ({ process: { versions, getBuiltinModule: () => module } });
    const throwing = {
      ...nodeCrypto,
      createHash: () => {
        throw new Error("not implemented");
      },
    };
    const wrong = {
      ...nodeCrypto,
      createHash: () => ({ update: () => ({ digest: () => new Uint8Array(32) }) }),
    };
    for (const module of [undefined, null, {}, { createHmac: nodeCrypto.createHmac }, throwing, wrong]) {
      expect(selectCryptoPrimitives(stand(module)).kind).toBe("web-crypto");
    }
  });
});

describe("signature verification on both implementations", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  /** A fresh copy of signature.ts whose crypto is picked under the given process.getBuiltinModule. */
  async function loadSignature(getBuiltinModule?: () => unknown) {
    vi.resetModules();
    if (getBuiltinModule) vi.spyOn(process, "getBuiltinModule").mockImplementation(getBuiltinModule as never);
    const signature = await import("./signature");
    const primitives = await import("./crypto-primitives");
    return { ...signature, picked: primitives.cryptoPrimitives() as CryptoPrimitives };
  }

  it("accepts and rejects exactly the same tokens on node:crypto and on Web Crypto", async () => {
    const onNode = await loadSignature();
    const onWeb = await loadSignature(() => {
      throw new Error(nextEdgeError);
    });
    expect(onNode.picked.kind).toBe("node:crypto");
    expect(onWeb.picked.kind).toBe("web-crypto");

    const url = "https://app.example.com/api/switchboard?job=send-email";
    const body = encoder.encode('{"to":"ada@example.com"}');
    const now = 1_800_000_000;
    const keys = { current: "sig_current", next: "sig_next" };
    const tokenBy = async (signer: typeof onNode, key: string) =>
      signer.signPayload({ key, url, body, issuedAt: now });
    const tampered = (token: string) => `${token.slice(0, -2)}${token.endsWith("AA") ? "AB" : "AA"}`;

    const cases: { name: string; signature: string | null; body?: Uint8Array<ArrayBuffer>; ok: boolean }[] =
      [];
    for (const signer of [onNode, onWeb]) {
      const current = await tokenBy(signer, keys.current);
      const next = await tokenBy(signer, keys.next);
      cases.push(
        { name: "current key", signature: current, ok: true },
        { name: "next key", signature: next, ok: true },
        { name: "unknown key", signature: await tokenBy(signer, "sig_other"), ok: false },
        { name: "tampered MAC", signature: tampered(current), ok: false },
        {
          name: "changed body",
          signature: current,
          body: encoder.encode('{"to":"eve@example.com"}'),
          ok: false,
        },
        { name: "missing", signature: null, ok: false },
      );
    }
    // Each side verifies what the other signed.
    for (const verifier of [onNode, onWeb]) {
      for (const c of cases) {
        const result = await verifier.verifySignature({
          signature: c.signature,
          body: c.body ?? body,
          keys,
          expectedUrl: url,
          clockTolerance: 5,
          now,
        });
        expect({ name: c.name, verifier: verifier.picked.kind, ok: result.ok }).toEqual({
          name: c.name,
          verifier: verifier.picked.kind,
          ok: c.ok,
        });
      }
    }
    // Same key, same claims: only the random jti differs, so the MACs differ but both verify.
    const fromNode = await tokenBy(onNode, keys.current);
    const fromWeb = await tokenBy(onWeb, keys.current);
    expect(fromNode.split(".")[0]).toBe(fromWeb.split(".")[0]);
  });
});
