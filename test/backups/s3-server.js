/**
 * The S3 server of the backup script tests, run as a child process by
 * harness.ts: s3rver (a real S3 API server, on an internal loopback port) behind
 * a small recording front (the port the tests and scripts use).
 *
 * Why the front: s3rver 3.7.1 stores only a fixed list of headers per object
 * (S3Object.ALLOWED_METADATA) and drops x-amz-server-side-encryption*, so its
 * HEAD and GET never answer ServerSideEncryption. AWS S3 does: an object
 * written with `--sse aws:kms [--sse-kms-key-id K]` answers
 * `x-amz-server-side-encryption: aws:kms` (and the key id) on HEAD/GET. The
 * front does exactly that and nothing else: every request and response passes
 * through unchanged; the encryption headers a PUT (or copy, or multipart
 * upload) carried are remembered per object and added to that object's HEAD/GET
 * answers; one JSON line per upload is appended to the log file, so the tests
 * can check what the aws CLI really sent. An object uploaded without the
 * headers answers without them, as on S3.
 *
 * Usage: node s3-server.js <data dir> <upload log file>
 * Prints "READY <front port> <s3rver port>" on stdout once both listen.
 */
"use strict";

const fs = require("fs");
const http = require("http");
const S3rver = require("s3rver");

const [dataDir, logFile] = process.argv.slice(2);
if (!dataDir || !logFile) {
    console.error("usage: node s3-server.js <data dir> <upload log file>");
    process.exit(2);
}

const SSE = "x-amz-server-side-encryption";
const SSE_KEY = "x-amz-server-side-encryption-aws-kms-key-id";

async function main() {
    const s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: dataDir, silent: true });
    const { port: rawPort } = await s3rver.run();

    /** "bucket/key" → the encryption headers its last write carried. */
    const encryption = new Map();
    /** "bucket/key" → the headers of a multipart upload in progress. */
    const multipart = new Map();

    const front = http.createServer((req, res) => {
        const url = new URL(req.url, "http://s3.local");
        const [bucket = "", ...rest] = url.pathname.slice(1).split("/").map(decodeURIComponent);
        const key = rest.join("/");
        const id = `${bucket}/${key}`;
        const sent = { sse: req.headers[SSE], kmsKeyId: req.headers[SSE_KEY] };
        const q = url.searchParams;
        const upstream = http.request(
            { host: "127.0.0.1", port: rawPort, method: req.method, path: req.url, headers: req.headers },
            (up) => {
                const headers = { ...up.headers };
                const ok = (up.statusCode ?? 500) < 300;
                if (ok && key !== "") {
                    let written = false;
                    if (req.method === "PUT" && !q.has("partNumber") && !q.has("tagging") && !q.has("acl")) {
                        encryption.set(id, sent);
                        written = true;
                    } else if (req.method === "POST" && q.has("uploads")) {
                        multipart.set(id, sent);
                    } else if (req.method === "POST" && q.has("uploadId")) {
                        encryption.set(id, multipart.get(id) ?? {});
                        multipart.delete(id);
                        written = true;
                    } else if (req.method === "DELETE" && !q.has("uploadId")) {
                        encryption.delete(id);
                    } else if (req.method === "HEAD" || req.method === "GET") {
                        const stored = encryption.get(id);
                        if (stored?.sse !== undefined) headers[SSE] = stored.sse;
                        if (stored?.kmsKeyId !== undefined) headers[SSE_KEY] = stored.kmsKeyId;
                    }
                    if (written) {
                        const entry = {
                            bucket,
                            key,
                            copy: req.headers["x-amz-copy-source"] !== undefined,
                            sse: encryption.get(id).sse ?? null,
                            kmsKeyId: encryption.get(id).kmsKeyId ?? null,
                            userAgent: req.headers["user-agent"] ?? "",
                        };
                        fs.appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
                    }
                }
                res.writeHead(up.statusCode ?? 502, headers);
                up.pipe(res);
            },
        );
        upstream.on("error", (err) => {
            res.writeHead(502);
            res.end(String(err));
        });
        req.pipe(upstream);
    });
    await new Promise((resolve, reject) => {
        front.once("error", reject);
        front.listen(0, "127.0.0.1", resolve);
    });
    process.stdout.write(`READY ${front.address().port} ${rawPort}\n`);
    const stop = () => {
        front.close();
        s3rver.close().then(
            () => process.exit(0),
            () => process.exit(0),
        );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
