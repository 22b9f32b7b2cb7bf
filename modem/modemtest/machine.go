package modemtest

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"
)

// The simulated modem's identity.
const (
	simIMEI  = "356938035643809"
	simIMSI  = "440101234567890"
	simICCID = "8981100012345678901"
)

type vendor struct {
	manufacturer, model, revision string
}

var vendors = map[string]vendor{
	"generic": {"Generic", "LTE USB Modem", "1.0.0"},
	"huawei":  {"huawei", "E3372", "22.328.62.00.00"},
	"quectel": {"Quectel", "EC25", "EC25JFAR06A06M4G"},
}

// machine is the modem's behaviour without the terminal: commands in,
// bytes out. It is not safe for concurrent use; Sim serializes it.
type machine struct {
	s   Script
	rng *rand.Rand

	echo        bool
	cmee        int
	cfun        int
	unlocked    bool
	pinTries    int
	searchStart time.Time
	urcMode     map[string]int // CREG, CGREG, CEREG → n
	lastStat    int
	pdp         bool
	apn         string
	rssi        int
	commands    int
	hung        bool
	pending     []timedURC // URCs due later (data session up)
	nextLive    time.Time
	nextNoise   time.Time
}

type timedURC struct {
	at   time.Time
	line string
}

func newMachine(s Script, now time.Time) *machine {
	s = s.withDefaults()
	m := &machine{s: s, rng: rand.New(rand.NewSource(s.Seed + 1))}
	m.boot(now)
	return m
}

// boot is a power-on: settings back to defaults, radio on, no session.
func (m *machine) boot(now time.Time) {
	m.echo, m.cmee, m.cfun = true, 1, 1
	m.unlocked, m.pdp, m.apn = false, false, ""
	m.searchStart, m.lastStat = now, -1
	m.urcMode = map[string]int{}
	m.rssi = m.s.RSSI
	m.hung = false
	m.commands = 0
	m.pending = nil
}

func (m *machine) simReady() bool {
	return m.s.SIM == SIMReady || (m.s.SIM == SIMPIN && m.unlocked)
}

// stat is the 3GPP registration stat right now.
func (m *machine) stat(now time.Time) int {
	if m.cfun != 1 || !m.simReady() {
		return 0
	}
	if m.s.NoSignal || now.Sub(m.searchStart) < m.s.RegisterDelay {
		return 2
	}
	return m.s.Reg
}

func (m *machine) registered(now time.Time) bool {
	st := m.stat(now)
	return st == 1 || st == 5
}

func (m *machine) csq() int {
	if m.s.NoSignal || m.cfun != 1 {
		return 99
	}
	return m.rssi
}

// line frames one information line or result code.
func line(s string) string { return "\r\n" + s + "\r\n" }

func (m *machine) ok(info ...string) string {
	var b strings.Builder
	for _, l := range info {
		b.WriteString(line(l))
	}
	if m.s.Garbage {
		// A URC and some noise between the answer and its OK, as busy
		// modems do.
		b.WriteString(line(m.noiseURC()))
		b.WriteString("\r\n\x00\xff#%@\r\n")
	}
	b.WriteString(line("OK"))
	return b.String()
}

func (m *machine) cme(code int, text string) string {
	switch m.cmee {
	case 0:
		return line("ERROR")
	case 2:
		return line("+CME ERROR: " + text)
	}
	return line("+CME ERROR: " + strconv.Itoa(code))
}

func (m *machine) errorLine() string { return line("ERROR") }

// simError answers a command that needs the SIM while it is not ready.
func (m *machine) simError() string {
	switch m.s.SIM {
	case SIMAbsent:
		return m.cme(10, "SIM not inserted")
	case SIMPIN:
		if m.pinTries >= 3 {
			return m.cme(12, "SIM PUK required")
		}
		return m.cme(11, "SIM PIN required")
	case SIMFailure:
		return m.cme(13, "SIM failure")
	}
	return ""
}

func (m *machine) noiseURC() string {
	switch m.s.Dialect {
	case "huawei":
		if m.rng.Intn(2) == 0 {
			return fmt.Sprintf("^RSSI: %d", m.csq())
		}
		return "^BOOT: 20515967,0,0,0,75"
	case "quectel":
		return fmt.Sprintf(`+QIND: "csq",%d,99`, m.csq())
	}
	return "+CGEV: ME PDN ACT 1"
}

func (m *machine) regLine(domain string, query bool, now time.Time) string {
	st := m.stat(now)
	n := m.urcMode[domain]
	loc := ""
	if n >= 2 && (st == 1 || st == 5) {
		loc = `,"1A2B","01A2B3C4",7`
	}
	if query {
		return fmt.Sprintf("+%s: %d,%d%s", domain, n, st, loc)
	}
	return fmt.Sprintf("+%s: %d%s", domain, st, loc)
}

// tick returns the unsolicited lines due at now: registration changes,
// a wandering signal, a confirmed data session, noise.
func (m *machine) tick(now time.Time) []string {
	if m.hung {
		return nil
	}
	var out []string
	if st := m.stat(now); st != m.lastStat {
		if m.lastStat >= 0 {
			for _, d := range []string{"CREG", "CGREG", "CEREG"} {
				if m.urcMode[d] > 0 {
					out = append(out, m.regLine(d, false, now))
				}
			}
		}
		m.lastStat = st
	}
	keep := m.pending[:0]
	for _, p := range m.pending {
		if now.After(p.at) {
			out = append(out, p.line)
		} else {
			keep = append(keep, p)
		}
	}
	m.pending = keep
	if m.s.LiveSignal && now.After(m.nextLive) {
		m.nextLive = now.Add(2 * time.Second)
		m.rssi = min(28, max(15, m.rssi+m.rng.Intn(3)-1))
		if m.s.Dialect == "huawei" {
			out = append(out, fmt.Sprintf("^RSSI: %d", m.csq()))
		}
	}
	if m.s.Garbage && now.After(m.nextNoise) {
		m.nextNoise = now.Add(300 * time.Millisecond)
		out = append(out, m.noiseURC())
	}
	return out
}

// quoted returns the double-quoted arguments of a command, in order.
func quoted(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i+1:], '"')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+1+j])
		s = s[i+j+2:]
	}
}

// handle answers one command line (without its CR).
func (m *machine) handle(cmd string, now time.Time) string {
	if len(cmd) < 2 || !strings.EqualFold(cmd[:2], "AT") {
		return "" // modems ignore lines that are not commands
	}
	m.commands++
	if m.s.HangAfter > 0 && m.commands > m.s.HangAfter {
		m.hung = true
	}
	if m.hung {
		return "" // firmware wedged: reads, never answers
	}
	body := cmd[2:]
	up := strings.ToUpper(body)
	v := vendors[m.s.Dialect]
	d := m.s.Dialect
	switch {
	case up == "":
		return m.ok()
	case up == "E0" || up == "E1":
		m.echo = up == "E1"
		return m.ok()
	case up == "Z":
		m.echo, m.cmee = true, 1
		return m.ok()
	case up == "I":
		return m.ok("Manufacturer: "+v.manufacturer, "Model: "+v.model, "Revision: "+v.revision, "IMEI: "+simIMEI, "+GCAP: +CGSM")
	case strings.HasPrefix(up, "+CMEE="):
		n, err := strconv.Atoi(up[6:])
		if err != nil || n < 0 || n > 2 {
			return m.errorLine()
		}
		m.cmee = n
		return m.ok()
	case up == "+CGMI" || up == "+GMI":
		return m.ok(v.manufacturer)
	case up == "+CGMM" || up == "+GMM":
		return m.ok(v.model)
	case up == "+CGMR" || up == "+GMR":
		return m.ok(v.revision)
	case up == "+CGSN" || up == "+GSN":
		return m.ok(simIMEI)
	case up == "+CIMI":
		if !m.simReady() {
			return m.simError()
		}
		return m.ok(simIMSI)
	case (up == "+CCID" || up == "+ICCID") && d == "generic",
		up == "^ICCID?" && d == "huawei",
		up == "+QCCID" && d == "quectel":
		if m.s.SIM == SIMAbsent || m.s.SIM == SIMFailure {
			return m.simError()
		}
		prefix := map[string]string{"generic": "+CCID: ", "huawei": "^ICCID: ", "quectel": "+QCCID: "}[d]
		return m.ok(prefix + simICCID + "F")
	case up == "+CRSM=176,12258,0,0,10":
		if !m.simReady() {
			return m.simError()
		}
		return m.ok(`+CRSM: 144,0,"` + swapNibbles(simICCID+"F") + `"`)
	case up == "+CPIN?":
		if m.s.SIM == SIMPIN && !m.unlocked {
			if m.pinTries >= 3 {
				return m.ok("+CPIN: SIM PUK")
			}
			return m.ok("+CPIN: SIM PIN")
		}
		if !m.simReady() {
			return m.simError()
		}
		return m.ok("+CPIN: READY")
	case strings.HasPrefix(up, "+CPIN="):
		if m.s.SIM != SIMPIN || m.unlocked {
			return m.cme(3, "operation not allowed")
		}
		if m.pinTries >= 3 {
			return m.cme(12, "SIM PUK required")
		}
		if q := quoted(body); len(q) == 1 && q[0] == m.s.PIN {
			m.unlocked = true
			m.searchStart = now
			return m.ok()
		}
		m.pinTries++
		return m.cme(16, "incorrect password")
	case up == "+CSQ":
		return m.ok(fmt.Sprintf("+CSQ: %d,99", m.csq()))
	case up == "+CESQ" && d != "huawei":
		if m.csq() == 99 {
			return m.ok("+CESQ: 99,99,255,255,255,255")
		}
		rsrp := -113 + 2*m.csq() - 25 // RSRP runs some 25 dB under RSSI
		return m.ok(fmt.Sprintf("+CESQ: 99,99,255,255,%d,%d", 20, max(0, rsrp+141)))
	case up == "+CREG?" || up == "+CGREG?" || up == "+CEREG?":
		return m.ok(m.regLine(up[1:len(up)-1], true, now))
	case strings.HasPrefix(up, "+CREG=") || strings.HasPrefix(up, "+CGREG=") || strings.HasPrefix(up, "+CEREG="):
		domain, arg, _ := strings.Cut(up[1:], "=")
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 || n > 2 {
			return m.errorLine()
		}
		m.urcMode[domain] = n
		return m.ok()
	case up == "+COPS?":
		if !m.registered(now) {
			return m.ok("+COPS: 0")
		}
		return m.ok(fmt.Sprintf(`+COPS: 0,0,"%s",7`, m.s.Operator))
	case strings.HasPrefix(up, "+COPS="):
		return m.ok()
	case up == "+CFUN?":
		return m.ok(fmt.Sprintf("+CFUN: %d", m.cfun))
	case up == "+CFUN=0" || up == "+CFUN=4":
		m.cfun, m.pdp = 0, false
		return m.ok()
	case up == "+CFUN=1":
		if m.cfun != 1 {
			m.cfun, m.searchStart = 1, now
		}
		return m.ok()
	case up == "+CFUN=1,1":
		m.boot(now)
		m.pending = append(m.pending, timedURC{now.Add(50 * time.Millisecond), "RDY"})
		return m.ok()
	case strings.HasPrefix(up, "+CGDCONT="):
		if q := quoted(body); len(q) >= 2 {
			m.apn = q[1]
		}
		return m.ok()
	case strings.HasPrefix(up, "+CGAUTH="):
		return m.ok()
	case up == "+CGACT=1,1":
		return m.activate(now)
	case up == "+CGACT=0,1":
		m.pdp = false
		return m.ok()
	case up == "+CGACT?":
		return m.ok(fmt.Sprintf("+CGACT: 1,%d", b2i(m.pdp)))
	case up == "+CGPADDR=1":
		ip := "0.0.0.0"
		if m.pdp {
			ip = m.s.IP
		}
		return m.ok(fmt.Sprintf(`+CGPADDR: 1,"%s"`, ip))
	}
	switch d {
	case "huawei":
		return m.huawei(body, up, now)
	case "quectel":
		return m.quectel(body, up, now)
	}
	return m.errorLine()
}

func (m *machine) activate(now time.Time) string {
	if !m.registered(now) {
		return m.cme(30, "no network service")
	}
	if m.s.APN != "" && !strings.EqualFold(m.apn, m.s.APN) {
		return m.cme(149, "PDP authentication failure")
	}
	m.pdp = true
	return m.ok()
}

func (m *machine) huawei(body, up string, now time.Time) string {
	switch {
	case strings.HasPrefix(up, "^NDISDUP=1,1"):
		if q := quoted(body); len(q) > 0 {
			m.apn = q[0]
		}
		if !m.registered(now) {
			return m.cme(30, "no network service")
		}
		if m.s.APN != "" && !strings.EqualFold(m.apn, m.s.APN) {
			return m.ok() // Huawei accepts the dial and simply never connects
		}
		m.pdp = true
		m.pending = append(m.pending, timedURC{now.Add(100 * time.Millisecond), `^NDISSTAT: 1,,,"IPV4"`})
		return m.ok()
	case up == "^NDISDUP=1,0":
		m.pdp = false
		return m.ok() + line(`^NDISSTAT: 0,,,"IPV4"`)
	case up == "^NDISSTATQRY?":
		return m.ok(fmt.Sprintf(`^NDISSTATQRY: %d,,,"IPV4",0,,,"IPV6"`, b2i(m.pdp)))
	case up == "^SYSINFOEX":
		if !m.registered(now) {
			return m.ok(`^SYSINFOEX: 1,0,0,1,,0,"NO SERVICE",0,"NO SERVICE"`)
		}
		return m.ok(`^SYSINFOEX: 2,3,0,1,,6,"LTE",101,"LTE"`)
	case strings.HasPrefix(up, "^CURC="):
		return m.ok()
	case up == "^RESET":
		m.boot(now)
		return m.ok()
	}
	return m.errorLine()
}

func (m *machine) quectel(body, up string, now time.Time) string {
	switch {
	case strings.HasPrefix(up, "+QICSGP=1"):
		if q := quoted(body); len(q) > 0 {
			m.apn = q[0]
		}
		return m.ok()
	case up == "+QIACT=1":
		if !m.registered(now) {
			return m.errorLine()
		}
		return m.activate(now)
	case up == "+QIACT?":
		if !m.pdp {
			return m.ok()
		}
		return m.ok(fmt.Sprintf(`+QIACT: 1,1,1,"%s"`, m.s.IP))
	case up == "+QIDEACT=1":
		m.pdp = false
		return m.ok()
	case up == "+QNWINFO":
		if !m.registered(now) {
			return m.ok(`+QNWINFO: No Service`)
		}
		return m.ok(`+QNWINFO: "FDD LTE","44010","LTE BAND 1",100`)
	case strings.HasPrefix(up, "+QCFG="), strings.HasPrefix(up, "+QURCCFG="):
		return m.ok()
	}
	return m.errorLine()
}

// dropData ends the data session from the network side and returns the
// URC the dialect announces it with.
func (m *machine) dropData() string {
	m.pdp = false
	switch m.s.Dialect {
	case "huawei":
		return `^NDISSTAT: 0,,,"IPV4"`
	case "quectel":
		return `+QIURC: "pdpdeact",1`
	}
	return "+CGEV: NW PDN DEACT 1"
}

// nmea is a GPS sentence, what a dongle's NMEA port says instead of OK.
func nmea(rng *rand.Rand) string {
	body := fmt.Sprintf("GPGGA,%06d.00,3541.1493,N,13945.3994,E,1,08,1.0,40.0,M,39.5,M,,", rng.Intn(235959))
	var sum byte
	for i := 0; i < len(body); i++ {
		sum ^= body[i]
	}
	return fmt.Sprintf("$%s*%02X\r\n", body, sum)
}

func swapNibbles(s string) string {
	b := []byte(s)
	for i := 0; i+1 < len(b); i += 2 {
		b[i], b[i+1] = b[i+1], b[i]
	}
	return string(b)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
