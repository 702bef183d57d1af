package config

// Values of [tenancy] maintenance_form: the two shapes of stancl/tenancy
// v3's data.maintenance_mode, and "auto" (the shape the fleet already
// uses, else the current one). Empty means auto.
const (
	MaintenanceFormAuto   = "auto"
	MaintenanceFormExcept = "except"
	MaintenanceFormTime   = "time"
)

func (t Tenancy) validateMaintenanceForm(p *problems) {
	switch t.MaintenanceForm {
	case "", MaintenanceFormAuto, MaintenanceFormExcept, MaintenanceFormTime:
	default:
		p.add("tenancy.maintenance_form", "%q is not one of auto, except (except/redirect/retry/refresh/secret/status), time (time/message/retry/allowed)", t.MaintenanceForm)
	}
}
