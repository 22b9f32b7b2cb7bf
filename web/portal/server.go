package portal

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // JST must render correctly on hosts without a zoneinfo database.

	"mimamori/cloud/inventory"
	"mimamori/cloud/store"
	"mimamori/web/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionTTL is how long a login lasts. A working day plus overtime; the
// customer logs in again the next morning.
const SessionTTL = 12 * time.Hour

// Options configure a Server.
type Options struct {
	// Store is where every page and API call reads from. Required. The
	// portal serves every tenant: each session carries its tenant, and
	// every query is scoped to it.
	Store store.Store
	// Logger receives request logs and errors. Nil discards them.
	Logger *slog.Logger
	// SecureCookies marks cookies Secure and gives the session cookie the
	// __Host- prefix. Set it whenever the portal is served over HTTPS.
	SecureCookies bool
	// Now returns the current time. Nil means time.Now; tests pin it.
	Now func() time.Time
	// OpsTree, when set, returns the cloud's live actor supervision trees,
	// served as JSON at GET /ops/actors for the operator. Nil makes the
	// route answer 404.
	OpsTree func() any
	// Inventory builds the tenants' device inventories for the device,
	// matrix and ranking screens. Nil makes New build one over Store with
	// the default reference data.
	Inventory *inventory.Service
	// OpsToken guards /ops/actors. When empty, only requests from a
	// loopback address are answered (the operator reaches the port over an
	// SSH tunnel); when set, a request must also carry
	// "Authorization: Bearer <OpsToken>". The tree names every tenant's
	// actors, so customers must never reach it.
	OpsToken string
	// SensorLinks, when set, returns how each of a tenant's sensors is
	// connected to the cloud's broker, by sensor id (the embedded broker
	// knows it; an external one does not, and the field is then nil).
	SensorLinks func(tenant string) map[string]SensorLink
}

// SensorLink is how a sensor is connected to the cloud's broker, or was
// last.
type SensorLink struct {
	Connected   bool
	TLS         bool      // the connection is encrypted
	Certificate bool      // the sensor logged in with its certificate
	Since       time.Time // when it logged in, or left
}

// Server is the customer web portal: server-rendered pages, a JSON API and
// the login flow.
type Server struct {
	store         store.Store
	inventory     *inventory.Service
	log           *slog.Logger
	now           func() time.Time
	secureCookies bool
	opsTree       func() any
	opsToken      string
	sensorLinks   func(tenant string) map[string]SensorLink
	loc           *time.Location

	pages     map[string]*template.Template
	static    fs.FS
	assetVer  string
	limiter   *limiter
	hashSlots chan struct{}
	dummyHash string
	handler   http.Handler
}

// New returns a Server. It fails only on a missing store or a broken
// embedded template, both programming errors caught by any test run.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("portal: Options.Store is required")
	}
	s := &Server{
		store:         opts.Store,
		inventory:     opts.Inventory,
		log:           opts.Logger,
		now:           opts.Now,
		secureCookies: opts.SecureCookies,
		opsTree:       opts.OpsTree,
		opsToken:      opts.OpsToken,
		sensorLinks:   opts.SensorLinks,
		loc:           tokyo(),
		limiter:       newLimiter(loginFailureLimit, loginWindow, limiterCapacity),
		// argon2id at 64 MiB per hash: bound how many run at once so a
		// burst of logins cannot exhaust memory.
		hashSlots: make(chan struct{}, 4),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.inventory == nil {
		inv, err := inventory.New(opts.Store, inventory.Options{Now: s.now})
		if err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
		s.inventory = inv
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("portal: static assets: %w", err)
	}
	s.static = static
	css, err := fs.ReadFile(static, "style.css")
	if err != nil {
		return nil, fmt.Errorf("portal: read style.css: %w", err)
	}
	sum := sha256.Sum256(css)
	s.assetVer = hex.EncodeToString(sum[:4])
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	// A login for an unknown email verifies against this hash, so both
	// outcomes take the same time and do not reveal which emails exist.
	if s.dummyHash, err = auth.HashPassword("mimamori-timing-equaliser"); err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the portal's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.staticHandler()))
	mux.HandleFunc("GET /ops/actors", s.opsActors)

	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.loginSubmit)
	// Logout works for a session in any state, including one still
	// waiting for its second factor.
	mux.Handle("POST /logout", s.withSession(s.logout, pageRoute, allowPendingMFA))

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/devices", http.StatusSeeOther)
	})
	mux.Handle("GET /devices", s.page(s.devicesPage))
	mux.Handle("GET /devices.csv", s.page(s.devicesCSV))
	mux.Handle("GET /devices/{mac}", s.page(s.devicePage))
	mux.Handle("GET /matrix/{kind}", s.page(s.matrixPage))
	mux.Handle("GET /rankings/{kind}", s.page(s.rankingPage))
	mux.Handle("GET /settings/services", s.page(s.servicesPage))
	mux.Handle("POST /settings/services", s.page(s.servicesSubmit))
	mux.Handle("GET /flows", s.page(s.flowsPage))
	mux.Handle("GET /sensors", s.page(s.sensorsPage))
	mux.Handle("GET /ot/ip", s.page(s.otPage("ip")))
	mux.Handle("GET /ot/ethernet", s.page(s.otPage("ethernet")))
	mux.Handle("GET /ot/ip.csv", s.page(s.otCSV("ip")))
	mux.Handle("GET /ot/ethernet.csv", s.page(s.otCSV("ethernet")))

	mux.Handle("GET /api/v1/devices", s.api(s.apiDevices))
	mux.Handle("GET /api/v1/flows", s.api(s.apiFlows))
	mux.Handle("GET /api/v1/sensors", s.api(s.apiSensors))
	mux.Handle("GET /api/v1/names", s.api(s.apiNames))
	mux.Handle("GET /api/v1/devices/{mac}", s.api(s.apiDevice))
	mux.Handle("GET /api/v1/matrix/{kind}", s.api(s.apiMatrix))
	mux.Handle("GET /api/v1/rankings/{kind}", s.api(s.apiRanking))
	mux.Handle("GET /api/v1/services", s.api(s.apiServices))
	mux.Handle("GET /api/v1/ot", s.api(s.apiOT))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "no such endpoint")
	})

	mux.HandleFunc("/", s.notFound)

	// Browsers label cross-site form posts with Sec-Fetch-Site or Origin;
	// rejecting those is the first CSRF layer, the per-session form token
	// the second.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	return s.logRequests(securityHeaders(cop.Handler(mux)))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, "ok")
}

func (s *Server) staticHandler() http.Handler {
	files := http.FileServerFS(s.static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			s.notFound(w, r) // no directory listings
			return
		}
		// Pages link assets with ?v=<content hash>, so a new build busts
		// the cache by itself.
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) opsActors(w http.ResponseWriter, r *http.Request) {
	if s.opsTree == nil || !s.opsAllowed(r) {
		writeJSONError(w, http.StatusNotFound, "no such endpoint")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, s.opsTree())
}

// opsAllowed reports whether r may read the actor trees. Refusals answer 404
// like a missing route, so the endpoint is not advertised to customers.
func (s *Server) opsAllowed(r *http.Request) bool {
	if s.opsToken != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.opsToken)) == 1
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	// A reverse proxy on the same host makes every request look local;
	// its forwarding header gives it away.
	return ip != nil && ip.IsLoopback() && r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == ""
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound, "ページが見つかりません", "お探しのページは存在しないか、移動した可能性があります。")
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	if isAPI(r) {
		writeJSONError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	s.renderError(w, r, http.StatusForbidden, "リクエストを処理できませんでした", "別のサイトから送信されたリクエストは受け付けていません。ポータルの画面から操作してください。")
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// securityHeaders sets the headers every response carries. The pages use no
// inline script or style, so the policy can stay strict.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers what a handler wrote, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		// The path only: query strings can carry search terms, and the
		// login form's fields never appear in a URL.
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// tokyo returns Asia/Tokyo. The embedded tzdata makes the fallback
// unreachable in practice; a fixed +09:00 is still right, as Japan has no
// daylight saving time.
func tokyo() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return loc
	}
	return time.FixedZone("JST", 9*60*60)
}
