package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"mimamori/cloud/store"
	"mimamori/web/auth"
)

// maxFormBytes bounds a posted form; the portal's forms are a few fields.
const maxFormBytes = 64 << 10

// csrfField is the hidden form field carrying the CSRF token.
const csrfField = "csrf_token"

// session is an authenticated request's login, with the raw token the
// CSRF token is derived from.
type session struct {
	store.Session
	token string
	csrf  string
}

// sessionHandler serves a request that has a session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, sess *session)

type routeKind int

const (
	pageRoute routeKind = iota // unauthenticated: redirect to /login
	apiRoute                   // unauthenticated: 401 JSON
)

// mfaPolicy says whether a route accepts a session that has passed the
// password but not yet the email one-time password (C9). Every route but
// logout requires the second factor; the OTP entry step will be the other
// route that allows a pending session.
type mfaPolicy int

const (
	requireMFA mfaPolicy = iota
	allowPendingMFA
)

func (s *Server) page(h sessionHandler) http.Handler { return s.withSession(h, pageRoute, requireMFA) }
func (s *Server) api(h sessionHandler) http.Handler  { return s.withSession(h, apiRoute, requireMFA) }

// withSession admits requests with a live session, checks the CSRF token of
// state-changing ones, and turns everyone else away the way the route kind
// expects.
func (s *Server) withSession(h sessionHandler, kind routeKind, mfa mfaPolicy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, hadCookie, err := s.loadSession(r)
		if err != nil {
			s.log.Error("load session", "err", err)
			s.serverError(w, r, kind)
			return
		}
		if sess != nil && !sess.MFADone && mfa == requireMFA {
			// Password accepted, second factor outstanding. Until the OTP
			// step exists such a session is treated as logged out.
			sess = nil
		}
		if sess == nil {
			if hadCookie {
				s.clearCookie(w, s.sessionCookie())
			}
			s.unauthenticated(w, r, kind, hadCookie)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !tokensEqual(r.PostFormValue(csrfField), sess.csrf) {
				s.log.Warn("csrf token mismatch", "path", r.URL.Path, "tenant", sess.Tenant)
				s.renderError(w, r, http.StatusForbidden, "リクエストを処理できませんでした",
					"画面の有効期限が切れたか、不正なリクエストです。画面を再読み込みしてから操作してください。")
				return
			}
		}
		h(w, r, sess)
	})
}

func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request, kind routeKind, expired bool) {
	if kind == apiRoute {
		writeJSONError(w, http.StatusUnauthorized, "authentication required")
		return
	}
	q := url.Values{}
	if r.Method == http.MethodGet {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("expired", "1")
	}
	target := "/login"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, kind routeKind) {
	if kind == apiRoute {
		writeJSONError(w, http.StatusInternalServerError, "internal error")
		return
	}
	s.renderError(w, r, http.StatusInternalServerError, "エラーが発生しました", "しばらく待ってから再度お試しください。")
}

// loadSession returns the request's live session, or nil. hadCookie reports
// whether a session cookie was presented at all, so a stale one can be
// cleared and the login page can say the session ended.
func (s *Server) loadSession(r *http.Request) (sess *session, hadCookie bool, err error) {
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	digest := auth.HashToken(c.Value)
	st, err := s.store.SessionByToken(r.Context(), digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, true, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("session by token: %w", err)
	}
	if !s.now().Before(st.ExpiresAt) {
		// Expired sessions are removed lazily; failing to remove one
		// changes nothing for this request.
		if err := s.store.DeleteSession(r.Context(), digest); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("delete expired session", "err", err)
		}
		return nil, true, nil
	}
	return &session{Session: st, token: c.Value, csrf: csrfToken(c.Value)}, true, nil
}

// csrfToken derives the form token from the session token. It needs no
// storage, survives restarts, and cannot be computed from anything the
// attacker can read: the session token sits in an HttpOnly cookie and the
// store holds only its SHA-256.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("mimamori portal csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func tokensEqual(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Cookie names. With Secure cookies the __Host- prefix makes the browser
// refuse them from subdomains or plain HTTP.
func (s *Server) sessionCookie() string { return s.cookieName("mimamori_session") }
func (s *Server) loginCookie() string   { return s.cookieName("mimamori_login") }

func (s *Server) cookieName(base string) string {
	if s.secureCookies {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) { s.setCookie(w, name, "", -1) }

// loginView is the login page's data.
type loginView struct {
	Email   string
	Next    string
	CSRF    string
	Error   string
	Notice  string
	Version string
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if sess, _, err := s.loadSession(r); err == nil && sess != nil && sess.MFADone {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := loginView{Next: next}
	switch {
	case r.URL.Query().Get("logged_out") == "1":
		v.Notice = "ログアウトしました。"
	case r.URL.Query().Get("expired") == "1":
		v.Notice = "セッションの有効期限が切れました。再度ログインしてください。"
	}
	s.renderLogin(w, r, http.StatusOK, v)
}

// renderLogin shows the form with a fresh login CSRF token. Before login
// there is no session to bind a token to, so the token is a double-submit
// cookie: a cross-site page can make the browser send the cookie but
// cannot read it to fill the field.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	tok, err := randomToken()
	if err != nil {
		s.log.Error("login csrf token", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	s.setCookie(w, s.loginCookie(), tok, 3600)
	w.Header().Set("Cache-Control", "no-store")
	v.CSRF = tok
	s.render(w, r, status, "login", pageData{Title: "ログイン", Data: v})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, loginView{Error: "入力内容を読み取れませんでした。"})
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	v := loginView{Email: email, Next: safeNext(r.PostFormValue("next"))}

	c, err := r.Cookie(s.loginCookie())
	if err != nil || !tokensEqual(r.PostFormValue(csrfField), c.Value) {
		v.Error = "画面の有効期限が切れました。もう一度ログインしてください。"
		s.renderLogin(w, r, http.StatusForbidden, v)
		return
	}
	if email == "" || password == "" {
		v.Error = "メールアドレスとパスワードを入力してください。"
		s.renderLogin(w, r, http.StatusBadRequest, v)
		return
	}

	key := strings.ToLower(email) + "\x00" + clientIP(r)
	now := s.now()
	if wait := s.limiter.blockedFor(key, now); wait > 0 {
		s.log.Warn("login rate limited", "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		v.Error = "ログインの試行回数が上限に達しました。しばらく待ってから再度お試しください。"
		s.renderLogin(w, r, http.StatusTooManyRequests, v)
		return
	}

	user, ok, err := s.checkPassword(r.Context(), email, password)
	if err != nil {
		s.log.Error("login", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	if !ok {
		s.limiter.fail(key, now)
		s.log.Info("login failed", "remote", r.RemoteAddr)
		// One message for an unknown email and a wrong password alike.
		v.Error = "メールアドレスまたはパスワードが正しくありません。"
		s.renderLogin(w, r, http.StatusUnauthorized, v)
		return
	}
	s.limiter.reset(key)

	// A fresh token on every login, so a token planted before login is
	// never promoted. The browser's previous session, if any, ends here.
	if old, err := r.Cookie(s.sessionCookie()); err == nil && old.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(old.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Warn("delete previous session", "err", err)
		}
	}
	token, digest, err := auth.NewToken()
	if err != nil {
		s.log.Error("new session token", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	err = s.store.CreateSession(r.Context(), store.Session{
		TokenHash: digest,
		Tenant:    user.Tenant,
		Email:     user.Email,
		CreatedAt: now,
		ExpiresAt: now.Add(SessionTTL),
		// The email OTP step (C9) will create the session with MFADone
		// false and send the browser to it; until then the password is
		// the whole login.
		MFADone: true,
	})
	if err != nil {
		s.log.Error("create session", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	s.log.Info("login", "tenant", user.Tenant, "remote", r.RemoteAddr)
	s.setCookie(w, s.sessionCookie(), token, int(SessionTTL.Seconds()))
	s.clearCookie(w, s.loginCookie())
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// checkPassword looks the user up and verifies the password. An unknown
// email costs the same argon2 work as a known one.
func (s *Server) checkPassword(ctx context.Context, email, password string) (store.User, bool, error) {
	user, err := s.store.UserByEmail(ctx, email)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, fmt.Errorf("user by email: %w", err)
	}
	hash := s.dummyHash
	if known {
		hash = user.PasswordHash
	}
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return store.User{}, false, ctx.Err()
	}
	ok, err := auth.VerifyPassword(hash, password)
	<-s.hashSlots
	if err != nil {
		// A corrupt stored hash locks that one user out; say so in the
		// log, not to the browser.
		s.log.Error("stored password hash unusable", "tenant", user.Tenant, "err", err)
		return store.User{}, false, nil
	}
	return user, ok && known, nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := s.store.DeleteSession(r.Context(), sess.TokenHash); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("delete session", "err", err)
		s.serverError(w, r, pageRoute)
		return
	}
	s.clearCookie(w, s.sessionCookie())
	http.Redirect(w, r, "/login?logged_out=1", http.StatusSeeOther)
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// safeNext returns target if it is a path on this site, else /devices. It
// refuses anything a browser could read as another origin: a scheme, a
// "//host", a backslash (which browsers treat as a slash) and control
// characters (which browsers strip before parsing).
func safeNext(target string) string {
	const fallback = "/devices"
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || len(target) > 2048 {
		return fallback
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return fallback
	}
	return target
}
