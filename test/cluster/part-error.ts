/** A failure of one part of the cluster, naming the part and where its log is. */
export class ClusterPartError extends Error {
  readonly part: string;
  readonly logFile: string | undefined;

  constructor(part: string, message: string, logFile?: string, options?: ErrorOptions) {
    super(
      `cluster part "${part}" failed: ${message}${logFile === undefined ? '' : `\n  its log: ${logFile}`}`,
      options,
    );
    this.name = 'ClusterPartError';
    this.part = part;
    this.logFile = logFile;
  }
}
