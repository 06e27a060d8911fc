/** One request that reached a link, as written to the D1 `download_events` table. */
export interface DownloadEvent {
  id: string;
  tenantId: string;
  linkId: string;
  fileId: string;
  orderNumber: string | null;
  /** Unix ms. */
  at: number;
  ip: string | null;
  userAgent: string | null;
  country: string | null;
  range: string | null;
  status: number;
  bytes: number;
  counted: boolean;
  device: string | null;
  error: string | null;
}
