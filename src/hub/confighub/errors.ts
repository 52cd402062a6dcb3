import { ExpectedError } from "../../lib/errors.js";

// What a call to ConfigHub (or to our hub over HTTP) can fail with: each one line naming the call, exit 2 in `check`.

/** The server answered with an error status, or with a body that is not the spec's shape. */
export class ConfigHubError extends ExpectedError {
  override readonly name: string = "ConfigHubError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 401 twice (after re-reading the credentials once): the token is wrong or expired. */
export class TokenRejectedError extends ConfigHubError {
  override readonly name = "TokenRejectedError";
}

/** The server could not be reached (network, timeout, or still failing after the retries). */
export class ConfigHubUnavailableError extends ExpectedError {
  override readonly name = "ConfigHubUnavailableError";
}

/** No usable credentials: no CUB_SERVER + CUB_TOKEN pair, no cub context for the server, no logged-in `cub`. */
export class TokenUnavailableError extends ExpectedError {
  override readonly name = "TokenUnavailableError";
}
