package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mimamori/cloud/store"
	"mimamori/web/auth"
)

const genericLoginError = "メールアドレスまたはパスワードが正しくありません。"

func TestLogin(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		email, pw  string
		next       string
		wantStatus int
		wantLoc    string // redirect target on success
		wantText   string // text on the re-rendered form
	}{
		{name: "success", email: emailA, pw: password, wantStatus: http.StatusSeeOther, wantLoc: "/devices"},
		{name: "email in other case", email: "Operator@Factory-A.example", pw: password, wantStatus: http.StatusSeeOther, wantLoc: "/devices"},
		{name: "next kept", email: emailA, pw: password, next: "/flows?proto=tcp", wantStatus: http.StatusSeeOther, wantLoc: "/flows?proto=tcp"},
		{name: "next to other site refused", email: emailA, pw: password, next: "//evil.example/x", wantStatus: http.StatusSeeOther, wantLoc: "/devices"},
		{name: "wrong password", email: emailA, pw: "wrong", wantStatus: http.StatusUnauthorized, wantText: genericLoginError},
		{name: "unknown email", email: "nobody@factory-a.example", pw: password, wantStatus: http.StatusUnauthorized, wantText: genericLoginError},
		{name: "empty password", email: emailA, pw: "", wantStatus: http.StatusBadRequest, wantText: "メールアドレスとパスワードを入力してください。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.client()
			res := c.tryLogin(tt.email, tt.pw, tt.next)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			cookie := c.sessionCookie("mimamori_session")
			if tt.wantLoc != "" {
				if loc := res.Header.Get("Location"); loc != tt.wantLoc {
					t.Errorf("Location = %q, want %q", loc, tt.wantLoc)
				}
				if cookie == "" {
					t.Fatal("no session cookie after login")
				}
				// The page is reachable with the cookie.
				if got := c.get("/devices"); got.StatusCode != http.StatusOK {
					t.Errorf("GET /devices after login = %d", got.StatusCode)
				}
				return
			}
			if cookie != "" {
				t.Error("failed login set a session cookie")
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("page lacks %q", tt.wantText)
			}
			if !strings.Contains(res.body, `name="csrf_token"`) {
				t.Error("re-rendered form lacks a fresh CSRF token")
			}
		})
	}
}

// The session cookie is HttpOnly and SameSite=Lax, and the store keeps only
// the token's SHA-256.
func TestSessionCookieAndStorage(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	res := c.tryLogin(emailA, password, "")
	var sc *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "mimamori_session" {
			sc = ck
		}
	}
	if sc == nil {
		t.Fatal("no Set-Cookie for the session")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure {
		t.Errorf("cookie attributes = HttpOnly %v SameSite %v Path %q Secure %v", sc.HttpOnly, sc.SameSite, sc.Path, sc.Secure)
	}
	if sc.MaxAge != int(SessionTTL.Seconds()) {
		t.Errorf("MaxAge = %d, want %d", sc.MaxAge, int(SessionTTL.Seconds()))
	}
	ctx := context.Background()
	sess, err := f.store.SessionByToken(ctx, auth.HashToken(sc.Value))
	if err != nil {
		t.Fatalf("session by hashed token: %v", err)
	}
	if sess.Tenant != tenantA || !sess.MFADone {
		t.Errorf("session = %+v, want tenant %s with MFADone", sess, tenantA)
	}
	if d := sess.ExpiresAt.Sub(sess.CreatedAt); d != SessionTTL {
		t.Errorf("session lasts %v, want %v", d, SessionTTL)
	}
	if _, err := f.store.SessionByToken(ctx, []byte(sc.Value)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("raw token found in store (err=%v); only its hash may be stored", err)
	}
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.SecureCookies = true })
	c := f.client()
	res := c.get("/login")
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "__Host-mimamori_login" {
			found = true
			if !ck.Secure {
				t.Error("login cookie not Secure")
			}
		}
	}
	if !found {
		t.Fatalf("no __Host- login cookie in %v", res.Header["Set-Cookie"])
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for i := range loginFailureLimit {
		if res := c.tryLogin(emailA, "wrong", ""); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, res.StatusCode)
		}
	}
	// The right password is refused too while the pair is blocked.
	res := c.tryLogin(emailA, password, "")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("attempt after limit = %d, want 429", res.StatusCode)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if !strings.Contains(res.body, "試行回数が上限") {
		t.Error("429 page does not explain the limit")
	}
	if c.sessionCookie("mimamori_session") != "" {
		t.Error("blocked login set a session cookie")
	}
	// Another account from the same address is unaffected.
	c.login(emailB, password)
}

func TestLimiter(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute, 4)
	for range 3 {
		if l.blockedFor("a", t0) != 0 {
			t.Fatal("blocked before the limit")
		}
		l.fail("a", t0)
	}
	if d := l.blockedFor("a", t0.Add(10*time.Second)); d != 50*time.Second {
		t.Errorf("blockedFor = %v, want 50s", d)
	}
	if l.blockedFor("a", t0.Add(time.Minute)) != 0 {
		t.Error("still blocked after the window")
	}
	l.fail("b", t0)
	l.reset("b")
	if l.size() != 0 {
		t.Errorf("size = %d after expiry and reset, want 0", l.size())
	}
	// The table never grows past its capacity.
	for i := range 100 {
		l.fail(string(rune('A'+i)), t0.Add(time.Duration(i)*time.Millisecond))
	}
	if l.size() > 4 {
		t.Errorf("size = %d, want at most 4", l.size())
	}
}

func TestUnauthenticated(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	pages := []struct{ path, wantLoc string }{
		{"/devices", "/login?next=%2Fdevices"},
		{"/devices?q=plc&page=2", "/login?next=%2Fdevices%3Fq%3Dplc%26page%3D2"},
		{"/devices.csv", "/login?next=%2Fdevices.csv"},
		{"/flows", "/login?next=%2Fflows"},
		{"/sensors", "/login?next=%2Fsensors"},
		{"/", "/devices"},
	}
	for _, p := range pages {
		t.Run("page "+p.path, func(t *testing.T) {
			res := c.get(p.path)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != p.wantLoc {
				t.Errorf("GET %s = %d → %q, want 303 → %q", p.path, res.StatusCode, res.Header.Get("Location"), p.wantLoc)
			}
		})
	}
	for _, path := range []string{"/api/v1/devices", "/api/v1/flows", "/api/v1/sensors", "/api/v1/names?q=x"} {
		t.Run("api "+path, func(t *testing.T) {
			res := c.get(path)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s = %d, want 401", path, res.StatusCode)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
			if strings.TrimSpace(res.body) != `{"error":"authentication required"}` {
				t.Errorf("body = %s", res.body)
			}
		})
	}
	t.Run("healthz needs no login", func(t *testing.T) {
		res := c.get("/healthz")
		if res.StatusCode != http.StatusOK || strings.TrimSpace(res.body) != "ok" {
			t.Errorf("GET /healthz = %d %q", res.StatusCode, res.body)
		}
	})
	t.Run("login page", func(t *testing.T) {
		res := c.get("/login?next=%2Fsensors")
		for _, want := range []string{"ログイン", "メールアドレス", "パスワード", "見守り", `name="next" value="/sensors"`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("login page lacks %q", want)
			}
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		u, _ := url.Parse(f.ts.URL)
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mimamori_session", Value: "forged", Path: "/"}})
		res := c.get("/devices")
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
			t.Errorf("forged cookie: %d → %q", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	page := c.get("/devices")
	token := csrfFrom(t, page.body)

	refused := []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{csrfField: {"not-the-token"}}, nil},
		{"token of another session", url.Values{csrfField: {csrfToken("another-session")}}, nil},
		{"cross-site origin", url.Values{csrfField: {token}}, http.Header{"Origin": {"https://evil.example"}}},
		{"cross-site fetch", url.Values{csrfField: {token}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			res := c.post("/logout", tt.form, tt.header)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("POST /logout = %d, want 403", res.StatusCode)
			}
			if got := c.get("/devices"); got.StatusCode != http.StatusOK {
				t.Fatalf("session ended by a refused logout (GET /devices = %d)", got.StatusCode)
			}
		})
	}

	t.Run("cross-site login", func(t *testing.T) {
		other := f.client()
		tok := other.loginForm()
		res := other.post("/login", url.Values{"email": {emailA}, "password": {password}, csrfField: {tok}},
			http.Header{"Origin": {"https://evil.example"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin login = %d, want 403", res.StatusCode)
		}
	})
	t.Run("login without form token", func(t *testing.T) {
		other := f.client()
		other.loginForm()
		res := other.post("/login", url.Values{"email": {emailA}, "password": {password}}, nil)
		if res.StatusCode != http.StatusForbidden || other.sessionCookie("mimamori_session") != "" {
			t.Errorf("login without token = %d", res.StatusCode)
		}
	})
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.login(emailA, password)
	cookie := c.sessionCookie("mimamori_session")
	token := csrfFrom(t, c.get("/sensors").body)

	res := c.post("/logout", url.Values{csrfField: {token}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?logged_out=1" {
		t.Fatalf("POST /logout = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := f.store.SessionByToken(context.Background(), auth.HashToken(cookie)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session still stored after logout (err=%v)", err)
	}
	if c.sessionCookie("mimamori_session") != "" {
		t.Error("session cookie not cleared")
	}
	if got := c.get("/devices"); got.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /devices after logout = %d, want 303", got.StatusCode)
	}
	if got := c.get("/login?logged_out=1"); !strings.Contains(got.body, "ログアウトしました。") {
		t.Error("login page does not confirm the logout")
	}
	// The old cookie is useless even if replayed.
	u, _ := url.Parse(f.ts.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mimamori_session", Value: cookie, Path: "/"}})
	if got := c.get("/api/v1/devices"); got.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed cookie: GET /api/v1/devices = %d, want 401", got.StatusCode)
	}
}

// A session past its expiry is refused even if the store still returns it.
func TestSessionExpiry(t *testing.T) {
	var clock time.Time
	f := newFixture(t, func(o *Options) {
		o.Now = func() time.Time {
			if clock.IsZero() {
				return time.Now()
			}
			return clock
		}
	})
	c := f.client()
	c.login(emailA, password)
	clock = time.Now().Add(SessionTTL + time.Minute)
	res := c.get("/devices")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "expired=1") {
		t.Fatalf("expired session: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := c.get("/login?expired=1"); !strings.Contains(got.body, "セッションの有効期限が切れました") {
		t.Error("login page does not say the session expired")
	}
}

// A session whose second factor is outstanding (C9) reaches nothing but
// logout.
func TestPendingMFASession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	token, digest, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := f.store.CreateSession(ctx, store.Session{TokenHash: digest, Tenant: tenantA, Email: emailA,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour), MFADone: false}); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	u, _ := url.Parse(f.ts.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mimamori_session", Value: token, Path: "/"}})

	if res := c.get("/devices"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("pending session: GET /devices = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mimamori_session", Value: token, Path: "/"}})
	if res := c.get("/api/v1/devices"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("pending session: GET /api/v1/devices = %d, want 401", res.StatusCode)
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "mimamori_session", Value: token, Path: "/"}})
	res := c.post("/logout", url.Values{csrfField: {csrfToken(token)}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("pending session: POST /logout = %d, want 303", res.StatusCode)
	}
	if _, err := f.store.SessionByToken(ctx, digest); !errors.Is(err, store.ErrNotFound) {
		t.Error("pending session survived logout")
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/devices"},
		{"/flows", "/flows"},
		{"/devices?q=192.168.0.1&page=2", "/devices?q=192.168.0.1&page=2"},
		{"//evil.example", "/devices"},
		{"/\\evil.example", "/devices"},
		{"/\t/evil.example", "/devices"},
		{"https://evil.example/", "/devices"},
		{"javascript:alert(1)", "/devices"},
		{"devices", "/devices"},
		{"/login", "/devices"},
		{"/logout", "/devices"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path on this site
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSafeNext checks that whatever comes in, the redirect stays on this
// site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"", "/flows", "//evil", "/\\evil", "https://x", "/a?b=c#d", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\t\r\n") {
			t.Fatalf("safeNext(%q) = %q", in, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q leaves the site", in, got)
		}
	})
}
