// Package portal is the customer web portal: server-rendered Japanese pages,
// a small JSON API and the login flow, on the standard library's ServeMux.
//
// # Pages and API
//
//	GET  /                 → /devices
//	GET  /login            login form (メールアドレス, パスワード)
//	POST /login            password check; starts a session
//	POST /logout           ends the session
//	GET  /devices          端末 > 一覧 (V1-1): search, paging
//	GET  /devices.csv      the same list as CSV (UTF-8 with BOM, Japanese header)
//	GET  /flows            IP通信: flow-minutes filtered by IP, port, protocol, time
//	GET  /sensors          センサー管理 (S1-3): status, monthly usage (C4), host health
//	GET  /api/v1/devices   JSON; see docs/API.md
//	GET  /api/v1/flows
//	GET  /api/v1/sensors
//	GET  /api/v1/names
//	GET  /healthz          liveness, no login
//	GET  /ops/actors       the cloud's actor trees, for the operator only
//
// Templates and the stylesheet are embedded; the pages load nothing from
// other origins and run no script, so the Content-Security-Policy is
// default-src 'self'. Times are shown in Japan time.
//
// # Sessions
//
// A login creates a random 32-byte token, sent in an HttpOnly, SameSite=Lax
// cookie; the store keeps only its SHA-256 (see web/auth). Every query is
// scoped to the tenant of the session, so one portal serves all tenants.
// Sessions carry an MFADone flag for the email one-time password of C9: the
// middleware admits a session without it to logout only, so adding the OTP
// step means adding its route and creating sessions with MFADone false.
//
// State-changing requests are checked twice against cross-site forgery:
// net/http's CrossOriginProtection refuses requests a browser marks as
// cross-origin (Sec-Fetch-Site, Origin), and every form carries a token,
// derived from the session token for logged-in forms and a double-submit
// cookie for the login form. Failed logins are throttled per email and
// client address in memory.
package portal
