import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegistrationToken } from './registration-token.entity';
import { RegistrationTokensService } from './registration-tokens.service';
import { RegistrationTokensController } from './registration-tokens.controller';
import { PoolsController } from './pools.controller';
import { EnvironmentsModule } from '../environments/environments.module';

@Module({
  imports: [TypeOrmModule.forFeature([RegistrationToken]), EnvironmentsModule],
  controllers: [RegistrationTokensController, PoolsController],
  providers: [RegistrationTokensService],
  exports: [RegistrationTokensService],
})
export class RegistrationTokensModule {}
