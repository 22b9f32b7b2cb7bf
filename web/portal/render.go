package portal

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mimamori/edge/intel/services"
)

// pageData is what every template receives.
type pageData struct {
	Title  string
	Active string // nav entry to highlight: devices, flows, sensors
	Email  string
	CSRF   string // for the logout form
	Data   any
}

// pageRoots maps each page to its template file and the layout it fills:
// "app" has the header and navigation, "bare" is a centred card for the
// login and error pages.
var pageRoots = map[string]string{
	"login":    "bare",
	"error":    "bare",
	"devices":  "app",
	"device":   "app",
	"matrix":   "app",
	"ranking":  "app",
	"services": "app",
	"flows":    "app",
	"sensors":  "app",
	"ot":       "app",
}

func (s *Server) parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"num":      formatNumber,
		"bytes":    formatBytes,
		"uptime":   formatDuration,
		"proto":    protoName,
		"endpoint": endpoint,
		"hasPorts": hasPorts,
		"icmpType": func(port uint16) uint8 { t, _ := icmpTypeCode(port); return t },
		"icmpCode": func(port uint16) uint8 { _, c := icmpTypeCode(port); return c },
		"jst":      s.formatTime(displayTime),
		"jstMin":   s.formatTime(displayMinute),
		"jstDate":  s.formatTime("2006/01/02"),
		"jstClock": s.formatTime("15:04:05"),
		"ago":      s.ago,
		"pct":      func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"asset":    func(name string) string { return "/static/" + name + "?v=" + s.assetVer },
		"dots":     confidenceDots,
		"devlink":  deviceLink,
		"proto8":   func(p uint8) string { return strings.ToUpper(services.ProtoName(p)) },
		"inc":      func(i int) int { return i + 1 },
		"otproto":  otProtocolName,
	}
	pages := make(map[string]*template.Template, len(pageRoots))
	for name := range pageRoots {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/base.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("portal: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Server) formatTime(layout string) func(time.Time) string {
	return func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(s.loc).Format(layout)
	}
}

// ago renders how long before now t was, in the portal's words.
func (s *Server) ago(t time.Time) string {
	if t.IsZero() {
		return "未受信"
	}
	d := s.now().Sub(t)
	switch {
	case d < time.Minute:
		return "1分以内"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "分前"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "時間前"
	default:
		return strconv.Itoa(int(d/(24*time.Hour))) + "日前"
	}
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("unknown template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, pageRoots[name], data); err != nil {
		s.log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

type errorView struct {
	Status  int
	Heading string
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "error", pageData{Title: heading, Data: errorView{Status: status, Heading: heading, Message: message}})
}

// pager is the previous/next navigation of an HTML list.
type pager struct {
	Page    int
	First   int // 1-based index of the first row shown
	Last    int
	PrevURL string
	NextURL string
	HasPrev bool
	HasNext bool
}

// newPager describes page (1-based) of a list that showed n rows and knows
// whether more follow. Links keep the request's other parameters.
func newPager(r *http.Request, page, pageSize, n int, more bool) pager {
	p := pager{Page: page, HasPrev: page > 1, HasNext: more}
	if n > 0 {
		p.First = (page-1)*pageSize + 1
		p.Last = p.First + n - 1
	}
	link := func(to int) string {
		q := r.URL.Query()
		if to <= 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(to))
		}
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	if p.HasPrev {
		p.PrevURL = link(page - 1)
	}
	if p.HasNext {
		p.NextURL = link(page + 1)
	}
	return p
}
