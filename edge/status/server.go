package status

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"mimamori/modem"
)

//go:embed assets/page.html assets/style.css
var assets embed.FS

// ServerOptions configure the page.
type ServerOptions struct {
	Options
	// Refresh is how often the page reloads itself (default 5 s).
	Refresh time.Duration
	Logger  *slog.Logger
}

// Server serves the status page: / (HTML), /status.json (the same data)
// and /style.css. It is read-only and needs no login: it shows nothing
// secret, and a technician must be able to open it on a phone at once.
type Server struct {
	source func() Snapshot
	opts   ServerOptions
	page   *template.Template
	css    []byte
	mux    *http.ServeMux
}

// NewServer returns the page for snapshots from source.
func NewServer(source func() Snapshot, opts ServerOptions) *Server {
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		source: source,
		opts:   opts,
		page:   template.Must(template.ParseFS(assets, "assets/page.html")),
	}
	s.css, _ = assets.ReadFile("assets/style.css")
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", s.handlePage)
	s.mux.HandleFunc("GET /status.json", s.handleJSON)
	s.mux.HandleFunc("GET /style.css", s.handleCSS)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(s.css)
}

// Language picks "ja" or "en": ?lang= first, then Accept-Language,
// Japanese by default.
func Language(r *http.Request) string {
	switch r.URL.Query().Get("lang") {
	case "en":
		return "en"
	case "ja":
		return "ja"
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// fromAcceptLanguage returns whichever of ja and en the header prefers.
// Only the first 1 KiB and 32 entries are read.
func fromAcceptLanguage(h string) string {
	if len(h) > 1024 {
		h = h[:1024]
	}
	best, bestQ := "ja", -1.0
	for i, part := range strings.Split(h, ",") {
		if i == 32 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (base == "ja" || base == "en") && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

// ui is the page's fixed wording.
var ui = map[string]Text{
	"title":   tx("センサー状態", "Sensor status"),
	"brand":   tx("見守りセンサー", "Mimamori sensor"),
	"led":     tx("LEDの見方", "Reading the LED"),
	"ledNow":  tx("LED", "LED"),
	"updated": tx("更新", "Updated"),
	"refresh": tx("秒ごとに自動更新", "s auto refresh"),
	"ok":      tx("正常", "OK"),
	"pending": tx("接続中", "connecting"),
	"warn":    tx("要確認", "check"),
	"fault":   tx("異常", "fault"),
	"info":    tx("情報", "info"),
}

type pageLine struct {
	ID, Label, Value, Hint, VerdictWord string
	Verdict                             Verdict
	Bars                                int
	Lit                                 []bool
}

// problem is a line that is not fine, listed at the top of the page.
type problem struct {
	ID, Label, Value string
	Verdict          Verdict
}

type pageSection struct {
	ID, Title string
	Lines     []pageLine
}

type legendItem struct {
	Color Color
	Blink bool
	Text  string
}

type pageData struct {
	Lang, Title, Brand, Sensor, Summary, LEDName, LEDLabel string
	LegendTitle, Updated, Generated, RefreshNote           string
	Overall                                                Verdict
	LED                                                    Pattern
	Refresh                                                int
	Sections                                               []pageSection
	Legend                                                 []legendItem
	Problems                                               []problem
}

func (s *Server) report() (Snapshot, Report) {
	snap := s.source()
	return snap, Evaluate(snap, s.opts.Options)
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	lang := Language(r)
	snap, rep := s.report()
	d := pageData{
		Lang:        lang,
		Title:       ui["title"].In(lang),
		Brand:       ui["brand"].In(lang),
		Sensor:      snap.Sensor,
		Summary:     rep.Summary.In(lang),
		Overall:     rep.Overall,
		LED:         rep.LED,
		LEDLabel:    ui["ledNow"].In(lang),
		LEDName:     rep.LED.Name().In(lang),
		LegendTitle: ui["led"].In(lang),
		Updated:     ui["updated"].In(lang),
		Generated:   rep.Generated.Format("2006-01-02 15:04:05"),
		Refresh:     int(s.opts.Refresh / time.Second),
	}
	d.RefreshNote = strconv.Itoa(d.Refresh) + ui["refresh"].In(lang)
	if lang == "en" {
		d.RefreshNote = strconv.Itoa(d.Refresh) + " " + ui["refresh"].In(lang)
	}
	for _, sec := range rep.Sections {
		ps := pageSection{ID: sec.ID, Title: sec.Title.In(lang)}
		for _, l := range sec.Lines {
			pl := pageLine{ID: l.ID, Label: l.Label.In(lang), Value: l.Value.In(lang), Hint: l.Hint.In(lang),
				Verdict: l.Verdict, VerdictWord: ui[string(l.Verdict)].In(lang), Bars: l.Bars}
			if l.Bars >= 0 {
				for i := 1; i <= 5; i++ {
					pl.Lit = append(pl.Lit, i <= l.Bars)
				}
			}
			ps.Lines = append(ps.Lines, pl)
			// The lines that decide the LED come first, so a technician
			// with a red LED sees why without scrolling.
			if l.Verdict == Fault || l.Verdict == Warn || (rep.Overall == Pending && l.Verdict == Pending) {
				d.Problems = append(d.Problems, problem{ID: l.ID, Label: sec.Title.In(lang) + " · " + pl.Label, Value: pl.Value, Verdict: l.Verdict})
			}
		}
		d.Sections = append(d.Sections, ps)
	}
	sort.SliceStable(d.Problems, func(i, j int) bool { return d.Problems[i].Verdict.rank() > d.Problems[j].Verdict.rank() })
	for _, it := range Legend() {
		d.Legend = append(d.Legend, legendItem{Color: it.Pattern.Color, Blink: it.Pattern.Blink, Text: it.Meaning.In(lang)})
	}
	var buf bytes.Buffer
	if err := s.page.Execute(&buf, d); err != nil {
		s.opts.Logger.Error("status: render page", "err", err)
		http.Error(w, "status page unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.Write(buf.Bytes())
}

// jsonLine is a line in the requested language.
type jsonLine struct {
	ID      string  `json:"id"`
	Label   string  `json:"label"`
	Value   string  `json:"value"`
	Hint    string  `json:"hint,omitempty"`
	Verdict Verdict `json:"verdict"`
	Bars    *int    `json:"bars,omitempty"`
}

type jsonSection struct {
	ID    string     `json:"id"`
	Title string     `json:"title"`
	Lines []jsonLine `json:"lines"`
}

type jsonReport struct {
	Generated time.Time `json:"generated"`
	Sensor    string    `json:"sensor"`
	Language  string    `json:"language"`
	Overall   Verdict   `json:"overall"`
	Summary   string    `json:"summary"`
	LED       struct {
		Pattern
		Name string `json:"name"`
	} `json:"led"`
	Sections []jsonSection `json:"sections"`
	// Facts is the snapshot the verdicts were drawn from.
	Facts Snapshot `json:"facts"`
}

func (s *Server) handleJSON(w http.ResponseWriter, r *http.Request) {
	lang := Language(r)
	snap, rep := s.report()
	out := jsonReport{Generated: rep.Generated, Sensor: rep.Sensor, Language: lang, Overall: rep.Overall,
		Summary: rep.Summary.In(lang), Facts: redact(snap)}
	out.LED.Pattern, out.LED.Name = rep.LED, rep.LED.Name().In(lang)
	for _, sec := range rep.Sections {
		js := jsonSection{ID: sec.ID, Title: sec.Title.In(lang)}
		for _, l := range sec.Lines {
			jl := jsonLine{ID: l.ID, Label: l.Label.In(lang), Value: l.Value.In(lang), Hint: l.Hint.In(lang), Verdict: l.Verdict}
			if l.Bars >= 0 {
				b := l.Bars
				jl.Bars = &b
			}
			js.Lines = append(js.Lines, jl)
		}
		out.Sections = append(out.Sections, js)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		s.opts.Logger.Debug("status: write JSON", "err", err)
	}
}

// redact masks the IMSI (the subscriber's identity) on a page anyone on
// the management network can read. ICCID and IMEI stay: they are printed
// on the SIM card and the dongle, and the technician matches them.
func redact(s Snapshot) Snapshot {
	if s.Modem == nil {
		return s
	}
	m := *s.Modem
	if n := len(m.IMSI); n > 7 {
		m.IMSI = m.IMSI[:5] + strings.Repeat("*", n-7) + m.IMSI[n-2:]
	}
	m.Transitions = append([]modem.Transition(nil), m.Transitions...)
	s.Modem = &m
	return s
}
