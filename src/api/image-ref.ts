/*
 * Image references: [registry[:port]/]path[:tag][@sha256:digest]. Written in the regex syntax JavaScript and
 * RE2 share, so the CRD's CEL rules (see ./schema) use the same patterns as the TypeScript validator.
 */

/** A well-formed reference with a lower-case repository path, as registries require. */
export const IMAGE_REF_PATTERN =
  '^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$';

/** The same shape with any case in the path: placeholders such as `ACR_REPO_HERE.azurecr.io/IMAGE_NAME_HERE:0.0.1`. */
export const IMAGE_REF_ANY_CASE_PATTERN = IMAGE_REF_PATTERN.replace(/a-z0-9\]/g, 'a-zA-Z0-9_]');

export const IMAGE_REF = new RegExp(IMAGE_REF_PATTERN);
export const IMAGE_REF_ANY_CASE = new RegExp(IMAGE_REF_ANY_CASE_PATTERN);
