/**
 * Lambda entry for the control-plane API (API Gateway HTTP API, payload v2).
 */
import { handle } from 'hono/aws-lambda';
import { createApp } from '../api/app.ts';
import { awsDeps } from './aws-deps.ts';

export const handler = handle(createApp(awsDeps()));
