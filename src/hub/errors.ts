import { ExpectedError } from "../lib/errors.js";
/** An expected failure of a hub operation, carrying the HTTP status it maps to (`{Code, Message}` over HTTP). */
export class HubError extends ExpectedError {
  override readonly name = "HubError";
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 412 | 422 | 500 | 503,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HubError(400, message);
export const notFound = (message: string) => new HubError(404, message);
export const conflict = (message: string) => new HubError(409, message);
