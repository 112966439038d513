-- Channels of every kind: a channel's settings JSON carries the tag of its settings variant
-- (`kind`: cloud, telegram, messenger, instagram, web). Every existing row is a WhatsApp
-- Cloud API channel (kind `cloud` or `sandbox`), so its settings are tagged `cloud`.
UPDATE channels
SET settings = json_set(settings, '$.kind', 'cloud')
WHERE json_extract(settings, '$.kind') IS NULL;
