package modem

import "time"

// State is where the manager is in bringing the data link up.
type State string

const (
	StateStarting     State = "starting"     // not yet looked for a modem
	StateNoModem      State = "no_modem"     // no AT port found, or it went away
	StateInitializing State = "initializing" // port open, setting the modem up
	StateNoSIM        State = "no_sim"       // no SIM, or a SIM the modem cannot read
	StateSIMLocked    State = "sim_locked"   // SIM wants a PIN or PUK we do not have
	StateSearching    State = "searching"    // looking for a network
	StateDenied       State = "denied"       // the network rejected the SIM
	StateConnecting   State = "connecting"   // registered, bringing the data session up
	StateOnline       State = "online"       // data session up
	StateRecovering   State = "recovering"   // an escalation step is running
	StateUnresponsive State = "unresponsive" // the port is there but the modem does not answer
)

// Reason says why the manager entered its state; the status page turns
// each into a sentence for the technician.
type Reason string

const (
	ReasonStarting       Reason = "starting"
	ReasonNoPort         Reason = "no_port"      // nothing to open
	ReasonNoATPort       Reason = "no_at_port"   // ports exist, none answers AT
	ReasonPortGone       Reason = "port_gone"    // unplugged or hung up
	ReasonOpened         Reason = "opened"       // port opened, initializing
	ReasonNoAnswer       Reason = "no_answer"    // commands time out
	ReasonSIMAbsent      Reason = "sim_absent"   // +CME ERROR: 10
	ReasonSIMFailure     Reason = "sim_failure"  // SIM present but unusable
	ReasonPINRequired    Reason = "pin_required" // and no PIN configured
	ReasonPINRejected    Reason = "pin_rejected" // the configured PIN was wrong; not retried
	ReasonPUKRequired    Reason = "puk_required" // too many wrong PINs
	ReasonSearching      Reason = "searching"    // not registered yet
	ReasonNoSignal       Reason = "no_signal"    // not registered and no signal at all
	ReasonDenied         Reason = "denied"       // registration denied
	ReasonRegTimeout     Reason = "registration_timeout"
	ReasonRegistered     Reason = "registered"  // registered, starting the data session
	ReasonDataFailed     Reason = "data_failed" // the data session did not come up
	ReasonDataLost       Reason = "data_lost"   // the network or modem dropped it
	ReasonRegLost        Reason = "registration_lost"
	ReasonModemRestarted Reason = "modem_restarted" // it rebooted on its own (RDY, ^BOOT)
	ReasonOnline         Reason = "online"
	ReasonReinit         Reason = "reinit"      // escalation 1: reopen and initialize again
	ReasonRadioReset     Reason = "radio_reset" // escalation 2: AT+CFUN off and on
	ReasonUSBReset       Reason = "usb_reset"   // escalation 3: the USB reset hook
)

// SIMState is what AT+CPIN? (and its errors) said about the SIM.
type SIMState string

const (
	SIMUnknown SIMState = ""
	SIMReady   SIMState = "ready"
	SIMAbsent  SIMState = "absent"
	SIMPIN     SIMState = "pin"
	SIMPUK     SIMState = "puk"
	SIMFailure SIMState = "failure"
	SIMBusy    SIMState = "busy" // still initializing; ask again
)

// RegState is the registration status, folded from the 3GPP stat values.
type RegState string

const (
	RegUnknown   RegState = ""
	RegHome      RegState = "home"
	RegRoaming   RegState = "roaming"
	RegSearching RegState = "searching"
	RegDenied    RegState = "denied"
	RegIdle      RegState = "not_registered" // not registered and not searching
)

// Registered reports whether the state allows data.
func (r RegState) Registered() bool { return r == RegHome || r == RegRoaming }

// Signal is the latest radio measurement.
type Signal struct {
	Valid bool `json:"valid"`
	// RSSI in dBm from AT+CSQ (or a vendor equivalent); 0 when unknown.
	RSSIdBm int `json:"rssi_dbm,omitempty"`
	// LTE reference signal power and quality from AT+CESQ, when the
	// modem supports it and is on LTE.
	RSRPdBm int     `json:"rsrp_dbm,omitempty"`
	RSRQdB  float64 `json:"rsrq_db,omitempty"`
	// Bars is 0..5 for people: see Bars.
	Bars int `json:"bars"`
}

// Identity is what the modem and SIM say they are.
type Identity struct {
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Revision     string `json:"revision,omitempty"`
	IMEI         string `json:"imei,omitempty"`
	IMSI         string `json:"imsi,omitempty"`
	ICCID        string `json:"iccid,omitempty"`
}

// Transition is one state change and why it happened.
type Transition struct {
	At     time.Time `json:"at"`
	From   State     `json:"from"`
	To     State     `json:"to"`
	Reason Reason    `json:"reason"`
	Detail string    `json:"detail,omitempty"`
}

// Status is a snapshot of the manager, for the status page and the batch.
type Status struct {
	State  State     `json:"state"`
	Reason Reason    `json:"reason"`
	Detail string    `json:"detail,omitempty"`
	Since  time.Time `json:"since"`
	// DownSince is when the data link was last lost, or when the manager
	// started; zero while online. The status page uses it to tell a
	// modem still starting up from one that has been failing for a while.
	DownSince   time.Time `json:"down_since,omitzero"`
	OnlineSince time.Time `json:"online_since,omitzero"`

	Device  string `json:"device,omitempty"`
	Dialect string `json:"dialect,omitempty"`
	Identity

	SIM          SIMState `json:"sim"`
	Registration RegState `json:"registration"`
	Technology   string   `json:"technology,omitempty"` // "LTE", "WCDMA", "GSM", ...
	Operator     string   `json:"operator,omitempty"`
	Signal       Signal   `json:"signal"`
	APN          string   `json:"apn,omitempty"`
	IP           string   `json:"ip,omitempty"`

	// Escalation is the last escalation step taken (0 none, 1 re-init,
	// 2 radio off/on, 3 USB reset); it returns to 0 once online.
	Escalation int `json:"escalation"`
	// Recoveries counts escalation steps since the process started.
	Recoveries  uint64       `json:"recoveries"`
	LastError   string       `json:"last_error,omitempty"`
	Transitions []Transition `json:"transitions"` // oldest first, the last 32
	UpdatedAt   time.Time    `json:"updated_at"`
}
