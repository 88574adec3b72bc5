/**
 * `npm run demo:totp -- finance@demo.commonpot.org`: prints the current two-factor code of a DEMO account (the demo
 * finance officers and administrator must use two-factor authentication, like real ones). It refuses any account
 * outside the demo domain, so it cannot be used to read a real person's codes.
 */
import { createDatabase, databaseOptionsFromEnv } from '../db/connect.ts'
import { DEMO_DOMAIN } from '../db/seed/demo.ts'
import { currentTotpCode } from '../app/domain/identity/totp.server.ts'

const email = (process.argv[2] ?? '').trim().toLowerCase()
if (!email.endsWith(`@${DEMO_DOMAIN}`)) {
  console.error(`usage: npm run demo:totp -- <demo account email ending @${DEMO_DOMAIN}>`)
  process.exit(2)
}
const handle = createDatabase(databaseOptionsFromEnv())
try {
  const user = await handle.db.selectFrom('users').select(['totp_secret', 'totp_enabled_at']).where('email', '=', email).executeTakeFirst()
  if (!user?.totp_secret || !user.totp_enabled_at) {
    console.error(`${email} has no two-factor authentication turned on`)
    process.exitCode = 1
  } else {
    const secondsLeft = 30 - (Math.floor(Date.now() / 1000) % 30)
    console.log(`${currentTotpCode(user.totp_secret)}  (valid for about ${secondsLeft} more seconds; secret ${user.totp_secret})`)
  }
} finally {
  await handle.close()
}
