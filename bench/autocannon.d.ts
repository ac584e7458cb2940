/**
 * The part of autocannon's API the bench uses. autocannon ships no types,
 * and its README is the contract these declarations follow.
 */
declare module 'autocannon' {
  import type { ConnectionOptions } from 'node:tls';

  namespace autocannon {
    interface Options {
      url: string;
      method?: 'GET' | 'POST';
      body?: string | Buffer;
      headers?: Record<string, string>;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Requests in total; takes precedence over duration. */
      amount?: number;
      /** Requests per second from all connections together. */
      overallRate?: number;
      /** Seconds to wait for a response. */
      timeout?: number;
      tlsOptions?: ConnectionOptions;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
    }

    interface Instance extends PromiseLike<Result> {
      /** `responseTime` is in milliseconds, with sub-millisecond precision. */
      on(
        event: 'response',
        listener: (
          client: unknown,
          statusCode: number,
          bytes: number,
          responseTime: number,
        ) => void,
      ): Instance;
      on(event: 'reqError', listener: (error: Error) => void): Instance;
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
