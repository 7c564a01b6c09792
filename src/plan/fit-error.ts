/** Raised when a model does not fit the GPUs it was given. */
export class FitError extends Error {
  constructor(
    message: string,
    /** Field the user would change. */
    readonly path: string,
    /** GPU memory the workload needs, GiB. */
    readonly requiredGpuMemoryGiB: number,
    /** GPU memory it was given, GiB. */
    readonly availableGpuMemoryGiB: number,
    /** Up to three catalog instance types that would fit, smallest first. */
    readonly suggestions: readonly string[],
  ) {
    super(message);
    this.name = 'FitError';
  }
}
