/** The identity form of an email: trimmed, NFKC, lower-cased. Kept in a unique column. */
export const normalizeEmail = (email: string): string => email.trim().normalize('NFKC').toLowerCase();
