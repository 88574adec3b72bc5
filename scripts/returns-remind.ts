/**
 * `npm run returns:remind`: emails (through the outbox) a reminder for each impact return due within 14 days and for
 * each that has become overdue, once each, and prints the counts. The server runs the same sweep every hour; running
 * both at once is safe (each reminder is claimed on its return row before its email is queued).
 *
 * `--today YYYY-MM-DD` checks as of another day (for a demo or a test); links use APP_URL when it is set.
 */
import { ukToday } from '../app/domain/places/places.server.ts'
import { sendReturnReminders } from '../app/domain/returns/reminders.server.ts'
import { closeDatabase, db } from '../app/lib/db.server.ts'
import { env } from '../app/lib/env.server.ts'

async function main(): Promise<number> {
  const at = process.argv.indexOf('--today')
  const today = at > 0 ? process.argv[at + 1] : ukToday()
  if (!today || !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    console.error('Give the day as --today YYYY-MM-DD')
    return 1
  }
  const appUrl = env().APP_URL
  try {
    const result = await sendReturnReminders(db, { today, baseUrl: appUrl ? new URL(appUrl).origin : '' })
    console.log(`${result.dueSoon} returns due soon and ${result.overdue} overdue returns reminded (as of ${today})`)
  } finally {
    await closeDatabase()
  }
  return 0
}

process.exitCode = await main()
