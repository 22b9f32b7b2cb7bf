package modemtest

import "time"

// Exchange is one command and the exact bytes the simulator answered.
type Exchange struct {
	Script  string
	Command string
	Output  []byte
}

// sessionCommands is what a manager sends to bring a modem online.
var sessionCommands = []string{
	"AT", "ATE0", "AT+CMEE=1", "ATI", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN",
	"AT+CREG=2", "AT+CGREG=2", "AT+CEREG=2", "AT+COPS=3,0", "AT+CFUN?",
	"AT+CPIN?", `AT+CPIN="1234"`, "AT+CIMI", "AT+CCID", "AT^ICCID?", "AT+QCCID", "AT+CRSM=176,12258,0,0,10",
	"AT+CSQ", "AT+CESQ", "AT+CREG?", "AT+CGREG?", "AT+CEREG?", "AT+COPS?", "AT^SYSINFOEX", "AT+QNWINFO",
	`AT+CGDCONT=1,"IP","internet"`, `AT+CGAUTH=1,2,"user","pass"`, "AT+CGACT=1,1", "AT+CGACT?",
	`AT^NDISDUP=1,1,"internet"`, "AT^NDISSTATQRY?", `AT+QICSGP=1,1,"internet","","",0`, "AT+QIACT=1", "AT+QIACT?",
	"AT+CGPADDR=1", "AT+CFUN=0", "AT+CFUN=1", "AT+CGACT=0,1", "AT+BOGUS",
}

// Corpus returns every answer the simulator gives to a manager's commands,
// under every fault script, including the unsolicited codes it emits on
// the way (they follow the answer they came after). Echo is on for the
// first commands, as after power-on.
func Corpus() []Exchange {
	var out []Exchange
	scripts := append(Faults(0), Named{"roaming", Script{Reg: 5}}, Named{"echo-cmee2", Script{Garbage: true}})
	for _, n := range scripts {
		start := time.Unix(1_700_000_000, 0)
		m := newMachine(n.Script, start)
		now := start
		for _, cmd := range sessionCommands {
			now = now.Add(100 * time.Millisecond)
			var b []byte
			if m.echo {
				b = append(b, cmd+"\r"...)
			}
			b = append(b, m.handle(cmd, now)...)
			for _, u := range m.tick(now.Add(500 * time.Millisecond)) {
				b = append(b, line(u)...)
			}
			out = append(out, Exchange{Script: n.Name, Command: cmd, Output: b})
		}
		out = append(out, Exchange{Script: n.Name, Command: "(network drop)", Output: []byte(line(m.dropData()))})
	}
	return out
}
