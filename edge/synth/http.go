package synth

import (
	"strconv"
)

// HTTP through the office web proxy (TCP 8080): each request is a GET in
// absolute form, as browsers send to a configured proxy, and the proxy
// answers with a body whose size is drawn around Talk.Bytes (exponential,
// like web object sizes, capped at eight times the mean). Bodies are not
// built in memory: the talk fills them from noise as it emits segments.

// defaultHTTPBytes is the mean body size when Talk.Bytes is zero.
const defaultHTTPBytes = 20000

var httpSites = []string{
	"portal.example.co.jp", "cdn.example.net", "updates.example.com",
	"mail.example.jp", "docs.example.org", "erp.example.co.jp",
}

type httpApp struct {
	mean int
	ua   string
	body int
}

func newHTTP(g *Generator, t *Talk) *httpApp {
	a := &httpApp{mean: t.Bytes}
	if a.mean <= 0 {
		a.mean = defaultHTTPBytes
	}
	switch g.host(t.Client).Stack {
	case StackWindowsXP:
		a.ua = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0)"
	case StackWindows7:
		a.ua = "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36"
	case StackLinux, StackRaspbian:
		a.ua = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	default:
		a.ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"
	}
	return a
}

func (a *httpApp) request(b []byte, x *exchange) []byte {
	site := httpSites[x.rng.IntN(len(httpSites))]
	b = append(b, "GET http://"...)
	b = append(b, site...)
	b = append(b, "/assets/"...)
	b = strconv.AppendUint(b, x.rng.Uint64()>>40, 36)
	b = append(b, ".bin HTTP/1.1\r\nHost: "...)
	b = append(b, site...)
	b = append(b, "\r\nUser-Agent: "...)
	b = append(b, a.ua...)
	b = append(b, "\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nProxy-Connection: keep-alive\r\n\r\n"...)
	size := int(x.rng.ExpFloat64() * float64(a.mean))
	a.body = max(256, min(size, 8*a.mean))
	return b
}

func (a *httpApp) response(b []byte, x *exchange) []byte {
	b = append(b, "HTTP/1.1 200 OK\r\nServer: squid/5.7\r\nContent-Type: application/octet-stream\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(a.body), 10)
	b = append(b, "\r\nVia: 1.1 "...)
	b = append(b, x.s.Name...)
	b = append(b, " (squid/5.7)\r\nConnection: keep-alive\r\n\r\n"...)
	return b
}

func (a *httpApp) bulk(*exchange) int { return a.body }
