// Typed failures of cluster access. Cluster-wide ones (unreachable, unauthorized, bad kubeconfig) stop a `check`
// with exit code 2; KubeApiError is about one request and usually becomes one object's `Error` result.
import { ExpectedError } from "../lib/errors.js";

/** The kubeconfig could not be loaded or names no usable context. */
export class KubeConfigError extends ExpectedError {
  override readonly name = "KubeConfigError";
}

/** The API server could not be reached at all (DNS, refused connection, TLS, timeout). */
export class ClusterUnreachableError extends ExpectedError {
  override readonly name = "ClusterUnreachableError";
  constructor(
    readonly server: string,
    cause: string,
  ) {
    super(`cannot reach the cluster at ${server}: ${cause}`);
  }
}

/** The API server rejected our credentials (401) or refused the basic reads every detection needs (403). */
export class ClusterUnauthorizedError extends ExpectedError {
  override readonly name = "ClusterUnauthorizedError";
  constructor(
    readonly server: string,
    readonly status: 401 | 403,
    detail: string,
  ) {
    super(
      status === 401
        ? `the cluster at ${server} rejected the credentials (401 Unauthorized)${detail ? `: ${detail}` : ""}`
        : `the cluster at ${server} refused access (403 Forbidden)${detail ? `: ${detail}` : ""}`,
    );
  }
}

/** A request the API server answered with an error status (the body's Status message when there is one). */
export class KubeApiError extends ExpectedError {
  override readonly name = "KubeApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The cluster does not serve a kind (no CRD, wrong apiVersion). */
export class UnknownKindError extends ExpectedError {
  override readonly name = "UnknownKindError";
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    const gv = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    super(`the cluster does not serve ${kind} in ${gv}`);
  }
}
