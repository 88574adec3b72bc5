export async function seedDemo(_db: unknown) {}
