-- Quotas on a tenant's own challenges: creating one counts the tenant's challenges that
-- are not completed, and completed ones pile up without a bound, so the count needs an
-- index over the active ones only (tasks have tasks_tenant_open_idx for theirs; the
-- per-minute creation count of both uses their (tenant_id, created_at) index).
CREATE INDEX challenges_tenant_active_idx ON challenges (tenant_id) WHERE status <> 'completed';
