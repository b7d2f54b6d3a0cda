import { createHash, timingSafeEqual } from 'node:crypto';
import {
  CanActivate,
  ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';

/** The key the sample accepts: `AIOCLOCK_API_KEY`, or a default you must change. */
export const API_KEY = process.env.AIOCLOCK_API_KEY ?? 'change-me';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  setHeader(name: string, value: string): void;
}

/** The password of an `Authorization: Basic …` header (any user name). */
function basicPassword(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Compares in constant time, so response timing does not leak the key. */
function sameKey(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Lets a request in when it carries the API key: an `x-api-key` header (for
 * scripts), or HTTP Basic auth with the key as the password (so a browser asks
 * for it once and the dashboard's own requests carry it).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const header = request.headers['x-api-key'];
    const auth = request.headers.authorization;
    const given =
      typeof header === 'string'
        ? header
        : basicPassword(typeof auth === 'string' ? auth : undefined);
    if (given !== undefined && sameKey(given, API_KEY)) return true;
    http
      .getResponse<HttpResponse>()
      .setHeader('WWW-Authenticate', 'Basic realm="AioClock", charset="UTF-8"');
    throw new UnauthorizedException(
      'An API key is required: send it as x-api-key, or as the password of HTTP Basic auth',
    );
  }
}
