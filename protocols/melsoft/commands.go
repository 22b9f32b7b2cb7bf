package melsoft

// Command codes. MELSOFT is proprietary; the names are those of Nozomi
// Networks' published MELSOFT dissector (the project's OT protocol
// reference §2.6, NozomiNetworks/blackhat23-melsoft), the only public
// source that names them.
const (
	cmdOpenInitial     = 0x0121
	cmdUsernameLogin   = 0x0131
	cmdPasswordLogin   = 0x0132
	cmdUserInfoRegist  = 0x1133
	cmdRemoteRun       = 0x1001
	cmdRemoteStop      = 0x1002
	cmdRemotePause     = 0x1003
	cmdRemoteReset     = 0x1006
	cmdSafetyModeWrite = 0x1120
)

// commandName names a command code; "" when it is not known.
func commandName(cmd uint16) string {
	switch cmd {
	case cmdOpenInitial:
		return "Open Initial"
	case cmdUsernameLogin:
		return "Username Login"
	case cmdPasswordLogin:
		return "Password Login"
	case 0x0133:
		return "Read User Information from PLC A"
	case 0x0134:
		return "Read User Information from PLC B"
	case 0x0150:
		return "Safety Run Mode Read"
	case 0x0410:
		return "Modify Value"
	case cmdRemoteRun:
		return "Remote Control Run"
	case cmdRemoteStop:
		return "Remote Control Stop"
	case cmdRemotePause:
		return "Remote Control Pause"
	case cmdRemoteReset:
		return "Remote Reset Ex"
	case cmdSafetyModeWrite:
		return "Safety Run Mode Change"
	case cmdUserInfoRegist:
		return "User Information Registration"
	case 0x1859:
		return "File List Read"
	case 0x1868:
		return "File Read"
	case 0x1869:
		return "File Write"
	}
	return ""
}

// accessLevelName names the access level of a registered user.
func accessLevelName(level uint16) string {
	switch level {
	case 0x0001:
		return "administrators"
	case 0x1000:
		return "developers"
	case 0x0800:
		return "assistant_developers"
	case 0x0100:
		return "users"
	}
	return ""
}

// footerAuthToken is the Ethernet footer parameter that carries an
// authorization token (a session's credential, CVE-2021-20599).
const footerAuthToken = 0x42
