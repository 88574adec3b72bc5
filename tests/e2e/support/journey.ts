/** Everything a browser journey needs, from one import: `import { newPage, visit, landOn, ... } from './support/journey.ts'`. */
export { appOrigin, appUrl, engineUnderTest, fetchApp, uniqueEmail } from './app.ts'
export {
  AXE_TAGS,
  allowConsoleErrors,
  checkA11y,
  checkA11yJsOff,
  collectConsoleErrors,
  landOn,
  launchBrowser,
  newPage,
  visit,
  type NewPageOptions,
} from './browser.ts'
export { linkIn, mailboxMark, readEmails, readLatestEmail, type Email } from './mailbox.ts'
export { allowServerErrors } from './server-log.ts'
export { createAccount, errorSummary, expectFieldError, flash, heading, journeyDatabase, pathAndQuery, pdfWithText, signIn, signInToHome, submit, totpSecretOf } from './forms.ts'
