/** Roles, from most to least powerful. Superusers come only from the CLI or bootstrap. */
export const roles = ['superuser', 'staff', 'user'] as const;
export type Role = (typeof roles)[number];

export const userStatuses = ['pending', 'active', 'disabled'] as const;
export type UserStatus = (typeof userStatuses)[number];

/** Staff and superusers may use the admin API. */
export const isAdminRole = (role: Role): boolean => role === 'superuser' || role === 'staff';
