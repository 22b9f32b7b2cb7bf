package bacnet

// vendorName returns the name of a BACnet vendor identifier, for the
// identities of I-Am messages: the best-known building automation
// vendors from ASHRAE's register of vendor ids. Others are reported by
// number only (nil).
func vendorName(id uint32) []byte {
	switch id {
	case 0:
		return vendorASHRAE
	case 1:
		return vendorNIST
	case 2:
		return vendorTrane
	case 3:
		return vendorMcQuay
	case 4:
		return vendorPolarSoft
	case 5:
		return vendorJohnsonControls
	case 6:
		return vendorAmericanAutoMatrix
	case 7, 9, 22:
		return vendorSiemens
	case 8:
		return vendorDeltaControls
	case 10, 335:
		return vendorSchneider
	case 11, 19:
		return vendorTAC
	case 14:
		return vendorCimetrics
	case 16:
		return vendorCarrier
	case 17:
		return vendorHoneywell
	case 18:
		return vendorAlerton
	case 23:
		return vendorYork
	case 24:
		return vendorAutomatedLogic
	case 28:
		return vendorKMC
	case 35:
		return vendorReliableControls
	case 36:
		return vendorTridium
	case 39:
		return vendorKiebackPeter
	case 51:
		return vendorSAMSON
	case 53:
		return vendorDaikin
	case 77:
		return vendorCarel
	case 80:
		return vendorSauter
	case 82, 99:
		return vendorMitsubishi
	case 85:
		return vendorYamatake
	case 89:
		return vendorSaia
	case 90:
		return vendorHitachi
	case 91:
		return vendorTrend
	case 98:
		return vendorToshiba
	case 127:
		return vendorABB
	case 160:
		return vendorRockwell
	case 178:
		return vendorLoytec
	case 196:
		return vendorYokogawa
	case 222:
		return vendorWAGO
	case 226:
		return vendorPhoenixContact
	case 245:
		return vendorContemporaryControls
	case 255:
		return vendorLennox
	case 260:
		return vendorBACnetStack
	case 364:
		return vendorDistech
	}
	return nil
}

// The names, allocated once: identities alias them and the Tracker copies
// them only when they change. They are the vendors' short names, no
// longer than the shortest I-Am (19 bytes), like any identity text taken
// from a message.
var (
	vendorASHRAE               = []byte("ASHRAE")
	vendorNIST                 = []byte("NIST")
	vendorTrane                = []byte("Trane")
	vendorMcQuay               = []byte("McQuay")
	vendorPolarSoft            = []byte("PolarSoft")
	vendorJohnsonControls      = []byte("Johnson Controls")
	vendorAmericanAutoMatrix   = []byte("American AutoMatrix")
	vendorSiemens              = []byte("Siemens")
	vendorDeltaControls        = []byte("Delta Controls")
	vendorSchneider            = []byte("Schneider Electric")
	vendorTAC                  = []byte("TAC")
	vendorCimetrics            = []byte("Cimetrics")
	vendorCarrier              = []byte("Carrier")
	vendorHoneywell            = []byte("Honeywell")
	vendorAlerton              = []byte("Alerton")
	vendorYork                 = []byte("York")
	vendorAutomatedLogic       = []byte("Automated Logic")
	vendorKMC                  = []byte("KMC Controls")
	vendorReliableControls     = []byte("Reliable Controls")
	vendorTridium              = []byte("Tridium")
	vendorKiebackPeter         = []byte("Kieback & Peter")
	vendorSAMSON               = []byte("SAMSON")
	vendorDaikin               = []byte("Daikin")
	vendorCarel                = []byte("Carel")
	vendorSauter               = []byte("Sauter")
	vendorMitsubishi           = []byte("Mitsubishi Electric")
	vendorYamatake             = []byte("Yamatake (Azbil)")
	vendorSaia                 = []byte("Saia-Burgess")
	vendorHitachi              = []byte("Hitachi")
	vendorTrend                = []byte("Trend Controls")
	vendorToshiba              = []byte("Toshiba")
	vendorABB                  = []byte("ABB")
	vendorRockwell             = []byte("Rockwell Automation")
	vendorLoytec               = []byte("LOYTEC")
	vendorYokogawa             = []byte("Yokogawa")
	vendorWAGO                 = []byte("WAGO")
	vendorPhoenixContact       = []byte("Phoenix Contact")
	vendorContemporaryControls = []byte("Contemporary Ctrls")
	vendorLennox               = []byte("Lennox")
	vendorBACnetStack          = []byte("BACnet Stack")
	vendorDistech              = []byte("Distech Controls")
)
