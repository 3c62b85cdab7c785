import { Type, type Static } from 'typebox';

/** OIDC standard profile claims a user may carry (besides email and name). */
export const ProfileFields = {
  given_name: Type.Optional(Type.String({ maxLength: 200 })),
  family_name: Type.Optional(Type.String({ maxLength: 200 })),
  middle_name: Type.Optional(Type.String({ maxLength: 200 })),
  nickname: Type.Optional(Type.String({ maxLength: 200 })),
  preferred_username: Type.Optional(Type.String({ maxLength: 200 })),
  profile: Type.Optional(Type.String({ maxLength: 2000 })),
  picture: Type.Optional(Type.String({ maxLength: 2000 })),
  website: Type.Optional(Type.String({ maxLength: 2000 })),
  gender: Type.Optional(Type.String({ maxLength: 50 })),
  birthdate: Type.Optional(Type.String({ maxLength: 10 })),
  zoneinfo: Type.Optional(Type.String({ maxLength: 100 })),
  locale: Type.Optional(Type.String({ maxLength: 35 })),
  phone_number: Type.Optional(Type.String({ maxLength: 32 })),
  address: Type.Optional(
    Type.Object(
      {
        formatted: Type.Optional(Type.String({ maxLength: 500 })),
        street_address: Type.Optional(Type.String({ maxLength: 500 })),
        locality: Type.Optional(Type.String({ maxLength: 200 })),
        region: Type.Optional(Type.String({ maxLength: 200 })),
        postal_code: Type.Optional(Type.String({ maxLength: 50 })),
        country: Type.Optional(Type.String({ maxLength: 100 })),
      },
      { additionalProperties: false },
    ),
  ),
};
export const profileKeys = Object.keys(ProfileFields) as Array<keyof typeof ProfileFields>;
export const Profile = Type.Object(ProfileFields, { additionalProperties: false });
export type Profile = Static<typeof Profile>;

/** Keeps only known profile keys; drops empty values. */
export function pickProfile(input: Record<string, unknown>): Profile {
  const out: Record<string, unknown> = {};
  for (const k of profileKeys) if (input[k] !== undefined && input[k] !== null) out[k] = input[k];
  return out as Profile;
}
