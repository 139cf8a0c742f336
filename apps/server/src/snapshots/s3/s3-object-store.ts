import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { type IncompleteWrite, ObjectNotFoundError, type ObjectStore, type StoredObjectInfo, checkObjectKey } from '../object-store';
import { EMPTY_SHA256, signV4, uriEncode } from './sign-v4';

export interface S3Settings {
  /** e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:7070 (path-style requests) */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** key prefix inside the bucket, '' or ending in '/' */
  prefix: string;
  /** CA certificate (PEM) to trust for an endpoint with a private CA */
  caPem?: string;
}

/** S3 allows parts of 5 MiB and more (all but the last): memory per upload stays at one part. */
export const PART_BYTES = 8 << 20;
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Objects in an S3-compatible bucket, over plain HTTP(S) with Signature V4 (path-style, so it
 * works with AWS and with self-hosted servers alike). Uploads are multipart, one part in memory
 * at a time, each part's SHA-256 signed; a failed upload is aborted so no part is left behind.
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly s3: S3Settings) {
    this.description = `s3 ${s3.endpoint}/${s3.bucket}/${s3.prefix}`;
  }

  async put(key: string, body: Readable): Promise<{ bytes: number }> {
    const objectKey = this.objectKey(key);
    const created = await this.send('POST', objectKey, { uploads: '' });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
    if (!uploadId) throw new Error(`${this.description}: CreateMultipartUpload answered without an UploadId`);
    const etags: string[] = [];
    let bytes = 0;
    try {
      let part: Buffer[] = [];
      let partBytes = 0;
      const flush = async () => {
        const data = Buffer.concat(part, partBytes);
        part = [];
        partBytes = 0;
        const res = await this.request('PUT', objectKey, { partNumber: String(etags.length + 1), uploadId }, data);
        const etag = res.headers.etag;
        res.resume();
        if (!etag) throw new Error(`${this.description}: UploadPart answered without an ETag`);
        etags.push(String(etag));
      };
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        part.push(buf);
        partBytes += buf.length;
        bytes += buf.length;
        if (partBytes >= PART_BYTES) await flush();
      }
      if (partBytes > 0 || etags.length === 0) await flush();
      const complete = `<CompleteMultipartUpload>${etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      const answer = await this.send('POST', objectKey, { uploadId }, Buffer.from(complete));
      // CompleteMultipartUpload may fail with 200 and an <Error> body
      if (/<Error>/.test(answer)) throw new Error(`${this.description}: CompleteMultipartUpload failed: ${answer.slice(0, 300)}`);
      return { bytes };
    } catch (err) {
      body.destroy();
      await this.send('DELETE', objectKey, { uploadId }).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    return this.request('GET', this.objectKey(key), {});
  }

  async delete(key: string): Promise<void> {
    await this.send('DELETE', this.objectKey(key), {}).catch((err) => {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    });
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listObjects(prefix)).map((o) => o.key);
  }

  async listObjects(prefix: string): Promise<StoredObjectInfo[]> {
    const objects: StoredObjectInfo[] = [];
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix: `${this.s3.prefix}${prefix}`, ...(token ? { 'continuation-token': token } : {}) };
      const xml = await this.send('GET', '', query);
      for (const [, entry] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        objects.push({ key: unescapeXml(xmlField(entry, 'Key')).slice(this.s3.prefix.length), modifiedAt: new Date(xmlField(entry, 'LastModified')) });
      }
      token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? unescapeXml(xmlField(xml, 'NextContinuationToken')) || undefined : undefined;
    } while (token);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** ListMultipartUploads under the prefix: uploads begun and neither completed nor aborted. */
  async listIncomplete(): Promise<IncompleteWrite[]> {
    const uploads: IncompleteWrite[] = [];
    let markers: Record<string, string> = {};
    for (;;) {
      const xml = await this.send('GET', '', { uploads: '', prefix: this.s3.prefix, ...markers });
      for (const [, entry] of xml.matchAll(/<Upload>([\s\S]*?)<\/Upload>/g)) {
        const key = unescapeXml(xmlField(entry, 'Key'));
        if (key.startsWith(this.s3.prefix)) uploads.push({ key: key.slice(this.s3.prefix.length), id: unescapeXml(xmlField(entry, 'UploadId')), at: new Date(xmlField(entry, 'Initiated')) });
      }
      const keyMarker = unescapeXml(xmlField(xml, 'NextKeyMarker'));
      if (!/<IsTruncated>true<\/IsTruncated>/.test(xml) || !keyMarker) return uploads;
      markers = { 'key-marker': keyMarker, 'upload-id-marker': unescapeXml(xmlField(xml, 'NextUploadIdMarker')) };
    }
  }

  /** AbortMultipartUpload: the upload's parts are freed; a completed object of the same key stays. */
  async abortIncomplete(write: IncompleteWrite): Promise<void> {
    await this.send('DELETE', this.objectKey(write.key), { uploadId: write.id }).catch((err) => {
      if (!(err instanceof ObjectNotFoundError)) throw err;
    });
  }

  private objectKey(key: string): string {
    return `${this.s3.prefix}${checkObjectKey(key)}`;
  }

  /** A request whose answer is small: its body as text. */
  private async send(method: string, objectKey: string, query: Record<string, string>, body?: Buffer): Promise<string> {
    const res = await this.request(method, objectKey, query, body);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Signs and sends one request; resolves with the streaming answer once it is a 2xx, else fails naming S3's error. */
  private request(method: string, objectKey: string, query: Record<string, string>, body?: Buffer): Promise<IncomingMessage> {
    const base = new URL(this.s3.endpoint);
    const path = `${base.pathname.replace(/\/+$/, '')}/${uriEncode(this.s3.bucket)}${objectKey ? `/${uriEncode(objectKey, true)}` : ''}`;
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const payloadHash = body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256;
    const headers = signV4({
      method,
      url,
      headers: { 'x-amz-content-sha256': payloadHash, ...(body ? { 'content-length': String(body.length) } : {}) },
      payloadHash,
      region: this.s3.region,
      accessKeyId: this.s3.accessKeyId,
      secretAccessKey: this.s3.secretAccessKey,
      now: new Date(),
    });
    // URLSearchParams writes spaces as '+': send the query exactly as it was signed
    const wirePath = `${url.pathname}${url.search ? `?${[...url.searchParams.entries()].map(([k, v]) => (v === '' && k === 'uploads' ? k : `${uriEncode(k)}=${uriEncode(v)}`)).join('&')}` : ''}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send({ protocol: url.protocol, hostname: url.hostname, port: url.port, method, path: wirePath, headers, timeout: REQUEST_TIMEOUT_MS, ...(this.s3.caPem ? { ca: this.s3.caPem } : {}) }, (res) => {
        const status = res.statusCode ?? 500;
        if (status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${status}`;
          const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
          const err = `${this.description}: ${method} ${objectKey || '(bucket)'} failed: ${code}${message ? ` (${message})` : ''}`;
          reject(status === 404 && method !== 'POST' ? new ObjectNotFoundError(err) : new Error(err));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${this.description}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** the text of the first <name> element, '' when there is none */
function xmlField(xml: string, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function unescapeXml(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;|&apos;/g, "'").replace(/&amp;/g, '&');
}
