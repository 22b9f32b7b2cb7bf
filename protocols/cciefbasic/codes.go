package cciefbasic

// Commands carried in the SLMP 3E header on the cyclic port (reference
// §2.1; rt-labs c-link cl_types.h). The cyclic exchange is the only one
// CC-Link IE Field Basic defines there; the two SLMP device-detection
// commands are named in case a master sends them to the cyclic port.
const (
	cmdCyclic     = 0x0e70
	cmdNodeSearch = 0x0e30
	cmdIPSet      = 0x0e31
)

// commandName names a command; "" when it is not known.
func commandName(cmd uint16) string {
	switch cmd {
	case cmdCyclic:
		return "Cyclic Data"
	case cmdNodeSearch:
		return "Node Search"
	case cmdIPSet:
		return "IP Address Set"
	}
	return ""
}

// unitState names the master's and the slaves' local unit info: whether
// the PLC program runs.
func unitState(v uint16) string {
	switch v {
	case 0:
		return "stop"
	case 1:
		return "run"
	case 2:
		return "stopped by user"
	}
	return ""
}
